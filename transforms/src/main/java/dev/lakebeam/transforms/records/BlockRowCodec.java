package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.Cents;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * How a row is written inside a {@link RowBlock}: a bitmap of its null fields, then each present
 * value in a form planned once per schema (ints and longs as zigzag variable-length ints, doubles
 * as 8 bytes, instants and amounts as a long, nested rows in the same form). A string is written as
 * its UTF-8, or, when it shares at least {@link #MIN_SHARED} leading bytes with the value before it
 * in the same field of the same block, as that count and the rest (front coding: a file's name in
 * every line's reference, a repeated dataset or source cost a few bytes, not their length). Beam's
 * {@code RowCoder} writes the same values through a coder call per field, a bit set object per row
 * and a stream call per byte; a block is written and read in one buffer, only within one run, so
 * its rows need no more than this. Schemas with another field type, or with more than 63 fields,
 * are refused by {@link #supports}; their blocks use the row coder.
 */
final class BlockRowCodec {
  private static final Map<Schema, BlockRowCodec> CODECS = new ConcurrentHashMap<>();

  private enum Kind {
    INT32,
    INT64,
    DOUBLE,
    BOOLEAN,
    STRING,
    DATETIME,
    CENTS,
    ROW
  }

  private final Schema schema;
  private final Kind[] kinds;
  private final BlockRowCodec[] nested;

  /**
   * Per field, the first slot of its strings in a {@link Strings} (this codec's string fields and
   * its nested rows' each take one, in field order); -1 for other fields.
   */
  private final int[] slots;

  private final int stringSlots;

  private BlockRowCodec(Schema schema) {
    this.schema = schema;
    int n = schema.getFieldCount();
    this.kinds = new Kind[n];
    this.nested = new BlockRowCodec[n];
    this.slots = new int[n];
    int next = 0;
    for (int i = 0; i < n; i++) {
      Schema.FieldType t = schema.getField(i).getType();
      kinds[i] = kindOf(t);
      slots[i] = -1;
      if (kinds[i] == Kind.ROW) {
        nested[i] = of(t.getRowSchema());
        slots[i] = next;
        next += nested[i].stringSlots;
      } else if (kinds[i] == Kind.STRING) {
        slots[i] = next++;
      }
    }
    this.stringSlots = next;
  }

  /**
   * The last string of each string field, kept by a block's writer or reader. The writer
   * front-codes a value against the one before it in the same block, and encodes a value equal to
   * the one before it (a file name, a dataset) to UTF-8 only once, across its blocks. The reader
   * knows where each field's last value lies (in the block, or assembled in the field's scratch
   * array), and hands on one {@code String} for a repeated value.
   */
  static final class Strings {
    private final String[] last;
    private final byte[][] lastBytes;

    /** The writer's block in which each field's last value was written ({@link #block}). */
    private final int[] lastBlock;

    private int block = 1;
    private final byte[][] lastArray;
    private final int[] lastAt;
    private final int[] lastLength;
    private final byte[][] scratch;

    Strings(int slots) {
      last = new String[slots];
      lastBytes = new byte[slots][];
      lastBlock = new int[slots];
      lastArray = new byte[slots][];
      lastAt = new int[slots];
      lastLength = new int[slots];
      scratch = new byte[slots][];
    }

    /** A writer's next block starts: no value is front-coded against an earlier block's. */
    void nextBlock() {
      block++;
    }
  }

  /** Leading bytes a string must share with the one before it to be written front-coded. */
  static final int MIN_SHARED = 3;

  /** Strings longer than this are not kept by a writer's cache. */
  static final int MAX_CACHED_BYTES = 256;

  /** A cache of this schema's strings for one block writer or reader. */
  Strings strings() {
    return new Strings(stringSlots);
  }

  /** The codec of a schema that {@link #supports} allows. */
  static BlockRowCodec of(Schema schema) {
    BlockRowCodec c = CODECS.get(schema);
    if (c == null) {
      c = new BlockRowCodec(schema);
      CODECS.putIfAbsent(schema, c);
    }
    return c;
  }

  /**
   * Whether every field (nested rows' too) has a type this codec writes, and there are at most 63.
   */
  static boolean supports(Schema schema) {
    if (schema.getFieldCount() > 63) {
      return false;
    }
    for (Schema.Field f : schema.getFields()) {
      Kind k = kindOf(f.getType());
      if (k == null || (k == Kind.ROW && !supports(f.getType().getRowSchema()))) {
        return false;
      }
    }
    return true;
  }

  private static Kind kindOf(Schema.FieldType t) {
    if (Cents.is(t)) {
      return Kind.CENTS;
    }
    return switch (t.getTypeName()) {
      case INT32 -> Kind.INT32;
      case INT64 -> Kind.INT64;
      case DOUBLE -> Kind.DOUBLE;
      case BOOLEAN -> Kind.BOOLEAN;
      case STRING -> Kind.STRING;
      case DATETIME -> Kind.DATETIME;
      case ROW -> Kind.ROW;
      default -> null;
    };
  }

  void encode(Row row, ByteArrayBuffer out) {
    encode(row, out, strings(), 0);
  }

  /** Encodes a row, its strings looked up in and kept in {@code strings} from slot {@code base}. */
  void encode(Row row, ByteArrayBuffer out, Strings strings, int base) {
    // as the row coder: values by position, of the block's field types (a wrong one fails its cast)
    if (row.getFieldCount() != kinds.length) {
      throw new IllegalArgumentException(
          "a row of " + row.getFieldCount() + " fields in a block of " + schema);
    }
    long nulls = 0;
    for (int i = 0; i < kinds.length; i++) {
      if (row.getValue(i) == null) {
        if (!schema.getField(i).getType().getNullable()) {
          throw new IllegalArgumentException(
              "field " + schema.getField(i).getName() + " is null but not nullable");
        }
        nulls |= 1L << i;
      }
    }
    out.writeVarLong(nulls);
    for (int i = 0; i < kinds.length; i++) {
      Object v = row.getValue(i);
      if (v == null) {
        continue;
      }
      switch (kinds[i]) {
        case INT32 -> out.writeVarLong(zigzag((Integer) v));
        case INT64 -> out.writeVarLong(zigzag((Long) v));
        case DOUBLE -> out.writeFixedLong(Double.doubleToRawLongBits((Double) v));
        case BOOLEAN -> out.write((Boolean) v ? 1 : 0);
        case STRING -> writeString((String) v, base + slots[i], out, strings);
        case DATETIME -> out.writeVarLong(zigzag(((ReadableInstant) v).getMillis()));
        case CENTS -> out.writeVarLong(zigzag(cents((BigDecimal) v, i)));
        case ROW -> nested[i].encode((Row) v, out, strings, base + slots[i]);
      }
    }
  }

  /**
   * A string as {@code 2 * length + 1} and its UTF-8, or, front-coded against the field's last
   * value in this block, as {@code 2 * rest}, the count of shared leading bytes and the rest.
   */
  private static void writeString(String text, int k, ByteArrayBuffer out, Strings strings) {
    byte[] before = strings.lastBlock[k] == strings.block ? strings.lastBytes[k] : null;
    byte[] b;
    if (text.equals(strings.last[k])) {
      b = strings.lastBytes[k];
    } else {
      b = text.getBytes(StandardCharsets.UTF_8);
      // a kept builder holds its cache: long values (payloads) are not kept
      boolean keep = b.length <= MAX_CACHED_BYTES;
      strings.last[k] = keep ? text : null;
      strings.lastBytes[k] = keep ? b : null;
    }
    strings.lastBlock[k] = strings.block;
    int shared = 0;
    if (before != null) {
      int m = Arrays.mismatch(before, b);
      shared = m < 0 ? b.length : Math.min(m, b.length);
    }
    if (shared >= MIN_SHARED) {
      out.writeVarLong(2L * (b.length - shared));
      out.writeVarLong(shared);
      out.write(b, shared, b.length - shared);
    } else {
      out.writeVarLong(2L * b.length + 1);
      out.write(b, 0, b.length);
    }
  }

  Row decode(Input in) {
    return decode(in, 0);
  }

  private Row decode(Input in, int base) {
    long nulls = in.readVarLong();
    List<Object> values = new ArrayList<>(kinds.length);
    for (int i = 0; i < kinds.length; i++) {
      values.add((nulls & (1L << i)) != 0 ? null : value(i, in, base));
    }
    return Row.withSchema(schema).attachValues(values);
  }

  /**
   * A row of some of this schema's top-level fields, into the positions {@code into} gives each
   * field (-1: skipped, no value built), as a row of {@code projected}.
   */
  Row decode(Input in, int[] into, Schema projected) {
    long nulls = in.readVarLong();
    Object[] values = new Object[projected.getFieldCount()];
    for (int i = 0; i < kinds.length; i++) {
      if ((nulls & (1L << i)) != 0) {
        continue;
      }
      if (into[i] < 0) {
        skip(i, in, 0);
      } else {
        values[into[i]] = value(i, in, 0);
      }
    }
    return Row.withSchema(projected).attachValues(Arrays.asList(values));
  }

  /** Whether no field is a nested row ({@link FlatRows} reads such rows). */
  boolean flat() {
    for (Kind k : kinds) {
      if (k == Kind.ROW) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads a row of a {@link #flat} schema into {@code values} (numbers, a double's bits, a boolean
   * as 0/1, a string's offset in {@code arrays}: the block, or a front-coded value's scratch array)
   * and {@code lengths} (a string's); returns the null bitmap.
   */
  long decodeFlat(Input in, long[] values, int[] lengths, byte[][] arrays) {
    long nulls = in.readVarLong();
    for (int i = 0; i < kinds.length; i++) {
      if ((nulls & (1L << i)) != 0) {
        continue;
      }
      values[i] =
          switch (kinds[i]) {
            case INT32, INT64, DATETIME, CENTS -> unzigzag(in.readVarLong());
            case DOUBLE -> in.readFixedLong();
            case BOOLEAN -> in.readByte() != 0 ? 1 : 0;
            case STRING -> {
              int slot = slots[i];
              in.locateString(slot);
              arrays[i] = in.strings.lastArray[slot];
              lengths[i] = in.strings.lastLength[slot];
              yield in.strings.lastAt[slot];
            }
            case ROW -> throw new IllegalStateException("a nested row read flat");
          };
    }
    return nulls;
  }

  private Object value(int i, Input in, int base) {
    return switch (kinds[i]) {
      case INT32 -> (int) unzigzag(in.readVarLong());
      case INT64 -> unzigzag(in.readVarLong());
      case DOUBLE -> Double.longBitsToDouble(in.readFixedLong());
      case BOOLEAN -> in.readByte() != 0;
      case STRING -> in.readString(base + slots[i]);
      case DATETIME -> new Instant(unzigzag(in.readVarLong()));
      case CENTS -> BigDecimal.valueOf(unzigzag(in.readVarLong()), 2);
      case ROW -> nested[i].decode(in, base + slots[i]);
    };
  }

  /** Skips a value; a string is still located: the field's next value may be front-coded on it. */
  private void skip(int i, Input in, int base) {
    switch (kinds[i]) {
      case INT32, INT64, DATETIME, CENTS -> in.readVarLong();
      case DOUBLE -> in.skip(8);
      case BOOLEAN -> in.skip(1);
      case STRING -> in.locateString(base + slots[i]);
      case ROW -> nested[i].skipRow(in, base + slots[i]);
    }
  }

  private void skipRow(Input in, int base) {
    long nulls = in.readVarLong();
    for (int i = 0; i < kinds.length; i++) {
      if ((nulls & (1L << i)) == 0) {
        skip(i, in, base);
      }
    }
  }

  private long cents(BigDecimal amount, int field) {
    try {
      return Cents.toCents(amount);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "field " + schema.getField(field).getName() + ": " + e.getMessage(), e.getCause());
    }
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  /** Reads a block's bytes in place. */
  static final class Input {
    private final byte[] bytes;
    final Strings strings;
    private int pos;

    /** An input with its own record of each string field's last value (one per block). */
    Input(byte[] bytes, Strings strings) {
      this.bytes = bytes;
      this.strings = strings;
    }

    int position() {
      return pos;
    }

    byte readByte() {
      if (pos >= bytes.length) {
        throw new IllegalStateException("a block ended inside a row");
      }
      return bytes[pos++];
    }

    long readVarLong() {
      if (bytes.length - pos >= 10) {
        // a whole varint fits: read it from locals, without a bounds check per byte
        byte[] b = bytes;
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
          byte x = b[at++];
          v |= (long) (x & 0x7F) << shift;
          if (x >= 0) {
            pos = at;
            return v;
          }
        }
        throw new IllegalStateException("a variable-length int of more than 10 bytes in a block");
      }
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = readByte();
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalStateException("a variable-length int of more than 10 bytes in a block");
    }

    long readFixedLong() {
      long v = 0;
      for (int s = 0; s < 64; s += 8) {
        v |= (long) (readByte() & 0xFF) << s;
      }
      return v;
    }

    void skip(int length) {
      if (length < 0 || length > bytes.length - pos) {
        throw new IllegalStateException(
            "a field of " + length + " bytes at " + pos + " of a block of " + bytes.length);
      }
      pos += length;
    }

    /**
     * Reads a string's header and bytes; returns whether it repeats the field's last value. Where
     * the value lies is left in {@code strings}: in the block, or, front-coded with a new ending,
     * assembled in the field's scratch array.
     */
    boolean locateString(int slot) {
      long header = readVarLong();
      int rest = (int) (header >>> 1);
      Strings st = strings;
      if ((header & 1) != 0) {
        checkLength(header, rest);
        st.lastArray[slot] = bytes;
        st.lastAt[slot] = pos;
        st.lastLength[slot] = rest;
        pos += rest;
        return false;
      }
      long sharedLong = readVarLong();
      byte[] before = st.lastArray[slot];
      if (before == null || sharedLong < 0 || sharedLong > st.lastLength[slot]) {
        throw new IllegalStateException(
            "a string sharing " + sharedLong + " bytes at " + pos + " with no such value before");
      }
      int shared = (int) sharedLong;
      checkLength(header, rest);
      if (rest == 0) {
        boolean same = shared == st.lastLength[slot];
        st.lastLength[slot] = shared; // the value before, or its start: in place either way
        return same;
      }
      int length = shared + rest;
      byte[] into = st.scratch[slot];
      if (into == null || into.length < length) {
        into = new byte[Math.max(length, into == null ? 64 : 2 * into.length)];
        st.scratch[slot] = into;
      }
      if (before != into) { // a scratch value starts at 0: its shared start is in place
        System.arraycopy(before, st.lastAt[slot], into, 0, shared);
      }
      System.arraycopy(bytes, pos, into, shared, rest);
      pos += rest;
      st.lastArray[slot] = into;
      st.lastAt[slot] = 0;
      st.lastLength[slot] = length;
      return false;
    }

    private void checkLength(long header, int rest) {
      if (header < 0 || rest < 0 || rest > bytes.length - pos) {
        throw new IllegalStateException(
            "a string of " + rest + " bytes at " + pos + " of a block of " + bytes.length);
      }
    }

    /** A string; a value repeated from the row before comes back as the same instance. */
    String readString(int slot) {
      Strings st = strings;
      byte[] before = st.lastArray[slot];
      int beforeAt = st.lastAt[slot];
      int beforeLength = st.lastLength[slot];
      boolean same = locateString(slot);
      if (!same && st.last[slot] != null && before != st.scratch[slot]) {
        // a short value is written whole even when it repeats: compare it with the one before
        int at = st.lastAt[slot];
        same =
            beforeLength == st.lastLength[slot]
                && Arrays.equals(
                    before,
                    beforeAt,
                    beforeAt + beforeLength,
                    st.lastArray[slot],
                    at,
                    at + beforeLength);
      }
      if (same && st.last[slot] != null) {
        return st.last[slot];
      }
      String s =
          new String(
              st.lastArray[slot], st.lastAt[slot], st.lastLength[slot], StandardCharsets.UTF_8);
      st.last[slot] = s;
      return s;
    }
  }
}
