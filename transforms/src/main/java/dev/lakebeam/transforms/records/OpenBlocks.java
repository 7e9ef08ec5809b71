package dev.lakebeam.transforms.records;

import java.util.Arrays;
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

  /** Int keys in [0, this) have their builders in an array, kept as the map's are. */
  static final int MAX_ARRAY_KEY = MAX_KEPT_BUILDERS;

  private final Map<K, RowBlock.Builder> open = new HashMap<>();

  /** Builders of small int keys (buckets), by key: no hash lookup of a boxed key per row. */
  private RowBlock.Builder[] byInt = new RowBlock.Builder[0];

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
    RowBlock.Builder block = builder(key);
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

  private RowBlock.Builder builder(K key) {
    if (key instanceof Integer i && i >= 0 && i < MAX_ARRAY_KEY) {
      if (i >= byInt.length) {
        byInt = Arrays.copyOf(byInt, Math.max(i + 1, Math.min(MAX_ARRAY_KEY, 2 * byInt.length)));
      }
      RowBlock.Builder block = byInt[i];
      if (block == null) {
        block = new RowBlock.Builder(kind, coder);
        byInt[i] = block;
      }
      return block;
    }
    RowBlock.Builder block = open.get(key);
    if (block == null) {
      // not computeIfAbsent: its lambda would capture this and be allocated on every row
      block = new RowBlock.Builder(kind, coder);
      open.put(key, block);
    }
    return block;
  }

  /** Hands over every block that holds rows (at the end of a bundle, or past the bound). */
  @SuppressWarnings("unchecked") // an array slot holds the builder of the Integer key at its index
  public void flush(BiConsumer<K, RowBlock> out) {
    for (int i = 0; i < byInt.length; i++) {
      if (byInt[i] != null && !byInt[i].isEmpty()) {
        out.accept((K) Integer.valueOf(i), byInt[i].take());
      }
    }
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
