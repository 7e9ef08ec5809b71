package dev.lakebeam.transforms.records;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.values.Row;

/**
 * Blocks being filled, one per key (a partition folder, a bucket): a block is handed over when it
 * reaches {@link PackRows#BLOCK_BYTES}, and all of them when together they pass a byte bound. On
 * Flink a bundle is a task's whole input, so what a step holds open is bounded by bytes, not by the
 * number of keys or the bundle.
 */
public final class OpenBlocks<K> {
  /** What a step may hold in open blocks before it hands them all over. */
  public static final long MAX_OPEN_BYTES = 32L << 20;

  /**
   * Emptied builders are kept for their keys (each holds a small buffer and its strings' cache, see
   * {@link RowBlock.Builder}), up to this many keys.
   */
  static final int MAX_KEPT_BUILDERS = 8192;

  private final Map<K, RowBlock.Builder> open = new HashMap<>();
  private final int kind;
  private final RowCoder coder;
  private final long maxOpenBytes;
  private long openBytes;

  public OpenBlocks(int kind, RowCoder coder) {
    this(kind, coder, MAX_OPEN_BYTES);
  }

  OpenBlocks(int kind, RowCoder coder, long maxOpenBytes) {
    this.kind = kind;
    this.coder = coder;
    this.maxOpenBytes = maxOpenBytes;
  }

  /**
   * Adds a row to its key's block; hands over that block when full, or every block past the bound.
   */
  public void add(K key, Row row, BiConsumer<K, RowBlock> out) {
    RowBlock.Builder block = open.get(key);
    if (block == null) {
      // not computeIfAbsent: its lambda would capture this and be allocated on every row
      block = new RowBlock.Builder(kind, coder);
      open.put(key, block);
    }
    int before = block.bytes();
    block.add(row);
    openBytes += block.bytes() - before;
    if (block.bytes() >= PackRows.BLOCK_BYTES) {
      openBytes -= block.bytes();
      out.accept(key, block.take());
    } else if (openBytes > maxOpenBytes) {
      flush(out);
    }
  }

  /** Hands over every block that holds rows (at the end of a bundle, or past the bound). */
  public void flush(BiConsumer<K, RowBlock> out) {
    for (Map.Entry<K, RowBlock.Builder> e : open.entrySet()) {
      if (!e.getValue().isEmpty()) {
        out.accept(e.getKey(), e.getValue().take());
      }
    }
    if (open.size() > MAX_KEPT_BUILDERS) {
      open.clear();
    }
    openBytes = 0;
  }

  /** Bytes held in open blocks now. */
  public long openBytes() {
    return openBytes;
  }
}
