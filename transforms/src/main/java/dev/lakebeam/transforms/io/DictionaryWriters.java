package dev.lakebeam.transforms.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.dictionary.DictionaryValuesWriter;
import org.apache.parquet.column.values.dictionary.IntList;
import org.apache.parquet.column.values.factory.DefaultV1ValuesWriterFactory;
import org.apache.parquet.column.values.factory.ValuesWriterFactory;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.io.api.Binary;

/**
 * Parquet's dictionary encoding of INT32, INT64 and BINARY columns with lookups of our own. The
 * pages are byte for byte those of Parquet's own writers (same ids in first-seen order, same
 * dictionary and data pages, same fallback to plain), but a value equal to the column's previous
 * one (an order's fields repeat on each of its lines) takes no hash lookup, and a slot holds key
 * (or hash) and id together, where Parquet's maps keep them in separate arrays and each binary
 * value as an object of its own. Parquet's lookups were over half the CPU of the largest dataset's
 * writer.
 */
final class DictionaryWriters {
  private DictionaryWriters() {}

  /**
   * Parquet's format 1 writers, with these in place of its INT32, INT64 and BINARY dictionaries.
   * One factory per set of properties: Parquet's default factory hands format 1 columns to one
   * static factory, which every {@code ParquetProperties} of the JVM re-initializes, so two files
   * opened at once could be written with each other's per-column dictionary settings.
   */
  static final class Factory implements ValuesWriterFactory {
    private final ValuesWriterFactory defaults = new DefaultV1ValuesWriterFactory();
    private ParquetProperties properties;

    @Override
    public void initialize(ParquetProperties properties) {
      if (properties.getWriterVersion() != ParquetProperties.WriterVersion.PARQUET_1_0) {
        throw new IllegalArgumentException(
            "the lake writes Parquet format 1, not " + properties.getWriterVersion());
      }
      this.properties = properties;
      defaults.initialize(properties);
    }

    @Override
    public ValuesWriter newValuesWriter(ColumnDescriptor column) {
      ValuesWriter w = defaults.newValuesWriter(column);
      if (!(w instanceof FallbackValuesWriter<?, ?> f)) {
        return w;
      }
      int max = properties.getDictionaryPageSizeThreshold();
      ByteBufferAllocator allocator = properties.getAllocator();
      return switch (column.getType()) {
        case INT32 ->
            f.initialWriter instanceof DictionaryValuesWriter.PlainIntegerDictionaryValuesWriter
                ? FallbackValuesWriter.of(new Ints(max, allocator), f.fallBackWriter)
                : w;
        case INT64 ->
            f.initialWriter instanceof DictionaryValuesWriter.PlainLongDictionaryValuesWriter
                ? FallbackValuesWriter.of(new Longs(max, allocator), f.fallBackWriter)
                : w;
        case BINARY ->
            f.initialWriter instanceof DictionaryValuesWriter.PlainBinaryDictionaryValuesWriter
                ? FallbackValuesWriter.of(new Binaries(max, allocator), f.fallBackWriter)
                : w;
        default -> w;
      };
    }
  }

  private static int spread(long h) {
    h *= 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * What the three writers share: ids 0, 1, 2… in first-seen order, the id of the value written
   * last, and the dictionary page and the fallback to plain, both from the values by id.
   */
  private abstract static class Ids extends DictionaryValuesWriter {
    int size;
    int lastId = -1;

    Ids(int maxDictionaryBytes, ByteBufferAllocator allocator) {
      super(maxDictionaryBytes, Encoding.PLAIN_DICTIONARY, Encoding.PLAIN_DICTIONARY, allocator);
    }

    /** Writes the value of {@code id} to {@code writer}. */
    abstract void write(ValuesWriter writer, int id);

    /** Forgets every value; the next write starts at id 0. */
    abstract void clearValues();

    @Override
    public DictionaryPage toDictPageAndClose() {
      if (lastUsedDictionarySize == 0) {
        return null; // a dictionary only if a page used it
      }
      PlainValuesWriter page =
          new PlainValuesWriter(lastUsedDictionaryByteSize, maxDictionaryByteSize, allocator);
      for (int id = 0; id < lastUsedDictionarySize; id++) {
        write(page, id);
      }
      return dictPage(page);
    }

    @Override
    public int getDictionarySize() {
      return size;
    }

    @Override
    protected void clearDictionaryContent() {
      clearValues();
      size = 0;
      lastId = -1;
    }

    @Override
    public void fallBackDictionaryEncodedData(ValuesWriter writer) {
      IntList.IntIterator ids = encodedValues.iterator();
      while (ids.hasNext()) {
        write(writer, ids.next());
      }
    }
  }

  /**
   * INT32: a value in [0, 65536) (most columns' ids and counts) finds its id in an array by value;
   * others in a table of one long per slot, the value in the high half and id + 1 in the low (0:
   * empty).
   */
  static final class Ints extends Ids {
    private static final int DENSE = 1 << 16;
    // id + 1 by value (0: not seen), as long as the largest such value seen needs
    private int[] dense = new int[0];
    private long[] slots = new long[64];
    private int slotted;
    private int[] values = new int[64];
    private int last;

    Ints(int maxDictionaryBytes, ByteBufferAllocator allocator) {
      super(maxDictionaryBytes, allocator);
    }

    @Override
    public void writeInteger(int v) {
      if (lastId < 0 || v != last) {
        lastId = v >= 0 && v < DENSE ? denseId(v) : idOf(v);
        last = v;
      }
      encodedValues.add(lastId);
    }

    private int denseId(int v) {
      if (v < dense.length && dense[v] != 0) {
        return dense[v] - 1;
      }
      if (v >= dense.length) {
        dense = Arrays.copyOf(dense, Math.max(64, Integer.highestOneBit(v) << 1));
      }
      int id = add(v);
      dense[v] = id + 1;
      return id;
    }

    private int add(int v) {
      int id = size++;
      if (id == values.length) {
        values = Arrays.copyOf(values, 2 * id);
      }
      values[id] = v;
      dictionaryByteSize += 4;
      return id;
    }

    private int idOf(int v) {
      int mask = slots.length - 1;
      int i = spread(v) & mask;
      for (long s = slots[i]; s != 0; s = slots[i]) {
        if ((int) (s >>> 32) == v) {
          return (int) s - 1;
        }
        i = (i + 1) & mask;
      }
      int id = add(v);
      slots[i] = entry(v, id);
      if (2 * ++slotted > slots.length) {
        slots = new long[2 * slots.length];
        for (int k = 0; k < size; k++) {
          if (values[k] < 0 || values[k] >= DENSE) {
            insert(values[k], k);
          }
        }
      }
      return id;
    }

    private static long entry(int v, int id) {
      return ((long) v << 32) | (id + 1L);
    }

    private void insert(int v, int id) {
      int mask = slots.length - 1;
      int i = spread(v) & mask;
      while (slots[i] != 0) {
        i = (i + 1) & mask;
      }
      slots[i] = entry(v, id);
    }

    @Override
    void write(ValuesWriter writer, int id) {
      writer.writeInteger(values[id]);
    }

    @Override
    void clearValues() {
      dense = new int[0];
      slots = new long[64];
      slotted = 0;
    }
  }

  /** INT64: two longs per slot, the value and id + 1 (0: empty). */
  static final class Longs extends Ids {
    private long[] slots = new long[128];
    private long[] values = new long[64];
    private long last;

    Longs(int maxDictionaryBytes, ByteBufferAllocator allocator) {
      super(maxDictionaryBytes, allocator);
    }

    @Override
    public void writeLong(long v) {
      if (lastId < 0 || v != last) {
        lastId = idOf(v);
        last = v;
      }
      encodedValues.add(lastId);
    }

    private int idOf(long v) {
      int mask = slots.length / 2 - 1;
      int i = spread(v) & mask;
      for (long s = slots[2 * i + 1]; s != 0; s = slots[2 * i + 1]) {
        if (slots[2 * i] == v) {
          return (int) s - 1;
        }
        i = (i + 1) & mask;
      }
      int id = size++;
      if (id == values.length) {
        values = Arrays.copyOf(values, 2 * id);
      }
      values[id] = v;
      slots[2 * i] = v;
      slots[2 * i + 1] = id + 1L;
      dictionaryByteSize += 8;
      if (4 * size > slots.length) {
        slots = new long[2 * slots.length];
        for (int k = 0; k < size; k++) {
          insert(values[k], k);
        }
      }
      return id;
    }

    private void insert(long v, int id) {
      int mask = slots.length / 2 - 1;
      int i = spread(v) & mask;
      while (slots[2 * i + 1] != 0) {
        i = (i + 1) & mask;
      }
      slots[2 * i] = v;
      slots[2 * i + 1] = id + 1L;
    }

    @Override
    void write(ValuesWriter writer, int id) {
      writer.writeLong(values[id]);
    }

    @Override
    void clearValues() {
      slots = new long[128];
    }
  }

  /**
   * BINARY: the values' bytes one after another in one array, a slot per value holding its hash in
   * the high half and id + 1 in the low (0: empty).
   */
  static final class Binaries extends Ids {
    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private long[] slots = new long[64];
    private byte[] bytes = new byte[1024];
    // id's bytes are bytes[ends[id - 1], ends[id]) (from 0 for id 0)
    private int[] ends = new int[64];
    private int[] hashes = new int[64];

    Binaries(int maxDictionaryBytes, ByteBufferAllocator allocator) {
      super(maxDictionaryBytes, allocator);
    }

    @Override
    public void writeBytes(Binary v) {
      ByteBuffer buffer = v.toByteBuffer();
      byte[] b;
      int from;
      int length = buffer.remaining();
      if (buffer.hasArray()) {
        b = buffer.array();
        from = buffer.arrayOffset() + buffer.position();
      } else {
        b = new byte[length];
        buffer.duplicate().get(b);
        from = 0;
      }
      if (lastId < 0 || !equal(lastId, b, from, length)) {
        lastId = idOf(b, from, length);
      }
      encodedValues.add(lastId);
    }

    private int start(int id) {
      return id == 0 ? 0 : ends[id - 1];
    }

    private boolean equal(int id, byte[] b, int from, int length) {
      int start = start(id);
      return ends[id] - start == length
          && Arrays.equals(bytes, start, ends[id], b, from, from + length);
    }

    private static int hash(byte[] b, int from, int length) {
      long h = length;
      int i = 0;
      for (; i + 8 <= length; i += 8) {
        h = (h ^ (long) LONGS.get(b, from + i)) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
      }
      for (; i < length; i++) {
        h = (h ^ b[from + i]) * 0x94D049BB133111EBL;
      }
      return spread(h);
    }

    private int idOf(byte[] b, int from, int length) {
      int h = hash(b, from, length);
      int mask = slots.length - 1;
      int i = h & mask;
      for (long s = slots[i]; s != 0; s = slots[i]) {
        if ((int) (s >>> 32) == h && equal((int) s - 1, b, from, length)) {
          return (int) s - 1;
        }
        i = (i + 1) & mask;
      }
      int id = size++;
      if (id == ends.length) {
        ends = Arrays.copyOf(ends, 2 * id);
        hashes = Arrays.copyOf(hashes, 2 * id);
      }
      int start = start(id);
      if (start + length > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, start + length));
      }
      System.arraycopy(b, from, bytes, start, length);
      ends[id] = start + length;
      hashes[id] = h;
      slots[i] = ((long) h << 32) | (id + 1L);
      dictionaryByteSize += 4L + length;
      if (2 * size > slots.length) {
        slots = new long[2 * slots.length];
        int m = slots.length - 1;
        for (int k = 0; k < size; k++) {
          int j = hashes[k] & m;
          while (slots[j] != 0) {
            j = (j + 1) & m;
          }
          slots[j] = ((long) hashes[k] << 32) | (k + 1L);
        }
      }
      return id;
    }

    private Binary value(int id) {
      int start = start(id);
      return Binary.fromConstantByteArray(bytes, start, ends[id] - start);
    }

    @Override
    void write(ValuesWriter writer, int id) {
      writer.writeBytes(value(id));
    }

    @Override
    void clearValues() {
      slots = new long[64];
    }
  }
}
