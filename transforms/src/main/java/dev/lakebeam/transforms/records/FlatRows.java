package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.schemas.Schema;

/**
 * A cursor over a block's rows that reads each row's top-level values without building objects:
 * numbers as longs, strings as byte ranges (UTF-8) of the block or of a scratch array. A writer
 * that copies values into columns (Parquet's) takes them from here, without a {@code Row}, boxed
 * numbers, a {@code String} decoded and encoded again, or an instant per value. Only schemas
 * without nested rows are read so ({@link #supports}); the values are valid until the next {@link
 * #next} (a front-coded string is assembled in an array that the next row's value of its field
 * overwrites).
 */
public final class FlatRows {
  private final Schema schema;
  private final BlockRowCodec codec;
  private final BlockRowCodec.Input in;
  private final byte[] bytes;
  private final long[] values;
  private final int[] lengths;
  private final byte[][] arrays;
  private final int count;
  private int left;
  private long nulls;

  FlatRows(Schema schema, byte[] bytes, int count) {
    this.schema = schema;
    this.codec = BlockRowCodec.of(schema);
    this.bytes = bytes;
    this.in = new BlockRowCodec.Input(bytes, codec.strings());
    this.values = new long[schema.getFieldCount()];
    this.lengths = new int[schema.getFieldCount()];
    this.arrays = new byte[schema.getFieldCount()][];
    this.count = count;
    this.left = count;
  }

  /** Whether blocks of this schema are read by the block codec and have no nested row. */
  public static boolean supports(Schema schema) {
    return BlockRowCodec.supports(schema) && BlockRowCodec.of(schema).flat();
  }

  public Schema schema() {
    return schema;
  }

  /** Moves to the next row; false after the last (which must end the block). */
  public boolean next() {
    if (left <= 0) {
      return false;
    }
    left--;
    try {
      nulls = codec.decodeFlat(in, values, lengths, arrays);
      if (left == 0 && in.position() != bytes.length) {
        throw new IllegalStateException(
            (bytes.length - in.position()) + " bytes left after the last row");
      }
    } catch (RuntimeException e) {
      throw new IllegalStateException("a block of " + count + " rows is damaged", e);
    }
    return true;
  }

  public boolean isNull(int field) {
    return (nulls & (1L << field)) != 0;
  }

  /**
   * An INT32, INT64, DATETIME (epoch millis) or cents field's value; a BOOLEAN's as 0 or 1; a
   * DOUBLE's raw bits.
   */
  public long number(int field) {
    return values[field];
  }

  /**
   * The array where a STRING field's UTF-8 lies at {@link #offset} for {@link #length}: the block's
   * bytes, or the field's scratch array for a front-coded value.
   */
  public byte[] bytes(int field) {
    return arrays[field];
  }

  public int offset(int field) {
    return (int) values[field];
  }

  public int length(int field) {
    return lengths[field];
  }
}
