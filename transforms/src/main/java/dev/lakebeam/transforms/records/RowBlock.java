package dev.lakebeam.transforms.records;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.Row;

/**
 * A few thousand rows of one schema as one element: their encodings back to back ({@link
 * BlockRowCodec}, or the {@link RowCoder} for a schema that codec does not take). Beam pays its
 * per-element cost (coder calls, sort, window wrapping) once per block, not per row. {@code kind}
 * tells apart the blocks of different schemas that share one grouping.
 */
public final class RowBlock {
  private final int kind;
  private final int count;
  private final byte[] bytes;

  public RowBlock(int kind, int count, byte[] bytes) {
    this.kind = kind;
    this.count = count;
    this.bytes = bytes;
  }

  public int kind() {
    return kind;
  }

  public int count() {
    return count;
  }

  /** The rows, decoded one at a time, of the coder's schema (the caller knows it by kind). */
  public Iterable<Row> rows(RowCoder coder) {
    Schema schema = coder.getSchema();
    if (BlockRowCodec.supports(schema)) {
      BlockRowCodec codec = BlockRowCodec.of(schema);
      return codecRows(codec, codec::decode);
    }
    return () ->
        new Rows() {
          private final ByteArrayInput in = new ByteArrayInput(bytes);

          @Override
          Row decodeNext(boolean last) throws IOException {
            return coder.decode(in);
          }
        };
  }

  /**
   * The rows with only the fields of {@code projected} (a selection of the coder's schema's
   * top-level fields, of the same types): the other fields are skipped, not decoded.
   */
  public Iterable<Row> rows(RowCoder coder, Schema projected) {
    return rows(coder, projected, projection(coder.getSchema(), projected));
  }

  /** As {@link #rows(RowCoder, Schema)}, with the {@link #projection} worked out once. */
  Iterable<Row> rows(RowCoder coder, Schema projected, int[] into) {
    Schema schema = coder.getSchema();
    if (!BlockRowCodec.supports(schema)) {
      return () ->
          new Rows() {
            private final ByteArrayInput in = new ByteArrayInput(bytes);

            @Override
            Row decodeNext(boolean last) throws IOException {
              Row r = coder.decode(in);
              Object[] values = new Object[projected.getFieldCount()];
              for (int i = 0; i < into.length; i++) {
                if (into[i] >= 0) {
                  values[into[i]] = r.getValue(i);
                }
              }
              return Row.withSchema(projected).attachValues(Arrays.asList(values));
            }
          };
    }
    BlockRowCodec codec = BlockRowCodec.of(schema);
    return codecRows(codec, in -> codec.decode(in, into, projected));
  }

  /**
   * A cursor over the rows' values without objects, or null when the coder's schema is not read so
   * ({@link FlatRows#supports}): then use {@link #rows(RowCoder)}.
   */
  public FlatRows flatRows(RowCoder coder) {
    Schema schema = coder.getSchema();
    return FlatRows.supports(schema) ? new FlatRows(schema, bytes, count) : null;
  }

  /** Rows read in place by the block codec; the last must end the block. */
  private Iterable<Row> codecRows(BlockRowCodec codec, Function<BlockRowCodec.Input, Row> decode) {
    return () ->
        new Rows() {
          private final BlockRowCodec.Input in = new BlockRowCodec.Input(bytes, codec.strings());

          @Override
          Row decodeNext(boolean last) {
            Row r = decode.apply(in);
            if (last && in.position() != bytes.length) {
              throw new IllegalStateException(
                  (bytes.length - in.position()) + " bytes left after the last row");
            }
            return r;
          }
        };
  }

  /** Per field of {@code schema}: its position in {@code projected}, or -1. */
  static int[] projection(Schema schema, Schema projected) {
    int[] into = new int[schema.getFieldCount()];
    Arrays.fill(into, -1);
    for (int t = 0; t < projected.getFieldCount(); t++) {
      Schema.Field f = projected.getField(t);
      if (!schema.hasField(f.getName())
          || !schema.getField(f.getName()).getType().equals(f.getType())) {
        throw new IllegalArgumentException(
            "field " + f.getName() + " (" + f.getType() + ") is not a field of " + schema);
      }
      into[schema.indexOf(f.getName())] = t;
    }
    return into;
  }

  /** An iterator over this block's rows. */
  private abstract class Rows implements Iterator<Row> {
    private int left = count;

    abstract Row decodeNext(boolean last) throws IOException;

    @Override
    public boolean hasNext() {
      return left > 0;
    }

    @Override
    public Row next() {
      if (left <= 0) {
        throw new NoSuchElementException();
      }
      left--;
      try {
        return decodeNext(left == 0);
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("a block of " + count + " rows is damaged", e);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowBlock b
        && b.kind == kind
        && b.count == count
        && Arrays.equals(b.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return (Arrays.hashCode(bytes) * 31 + count) * 31 + kind;
  }

  /**
   * Fills blocks of one kind: rows are encoded as they come; {@link #take} hands over the block.
   */
  public static final class Builder {
    private final int kind;
    private final RowCoder coder;
    private final BlockRowCodec codec;

    /** The last string of each field: front coding within a block, UTF-8 reused across blocks. */
    private final BlockRowCodec.Strings strings;

    private ByteArrayBuffer buffer = new ByteArrayBuffer();
    private int count;

    public Builder(int kind, RowCoder coder) {
      this.kind = kind;
      this.coder = coder;
      this.codec =
          BlockRowCodec.supports(coder.getSchema()) ? BlockRowCodec.of(coder.getSchema()) : null;
      this.strings = codec == null ? null : codec.strings();
    }

    public void add(Row row) {
      if (codec != null) {
        codec.encode(row, buffer, strings, 0);
      } else {
        try {
          coder.encode(row, buffer);
        } catch (IOException e) {
          throw new IllegalStateException("a row could not be encoded into a block", e);
        }
      }
      count++;
    }

    public int bytes() {
      return buffer.size();
    }

    public boolean isEmpty() {
      return count == 0;
    }

    /**
     * The block so far; the builder starts afresh with a small buffer (an idle builder holds
     * little).
     */
    public RowBlock take() {
      RowBlock b = new RowBlock(kind, count, buffer.toByteArray());
      buffer = new ByteArrayBuffer();
      count = 0;
      if (strings != null) {
        strings.nextBlock();
      }
      return b;
    }
  }

  /** Kind, count and length as variable-length ints, then the bytes in one write. */
  public static final class Coder extends CustomCoder<RowBlock> {
    private static final long serialVersionUID = 1L;
    private static final Coder INSTANCE = new Coder();

    /** Blocks up to this length are read into an array of their length at once. */
    static final int MAX_EXACT = 64 << 20;

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(RowBlock b, OutputStream out) throws IOException {
      if (b == null) {
        throw new CoderException("cannot encode a null block");
      }
      VarInt.encode(b.kind, out);
      VarInt.encode(b.count, out);
      VarInt.encode(b.bytes.length, out);
      out.write(b.bytes);
    }

    @Override
    public RowBlock decode(InputStream in) throws IOException {
      int kind = VarInt.decodeInt(in);
      int count = VarInt.decodeInt(in);
      int n = VarInt.decodeInt(in);
      if (count < 0 || n < 0) {
        throw new CoderException("a block header of " + count + " rows in " + n + " bytes");
      }
      return new RowBlock(kind, count, readBlock(in, n));
    }

    /**
     * The block's bytes in one array of its length ({@code readNBytes} would copy 8 KiB chunks
     * together); a length beyond any block reads as the stream delivers, so that a corrupt header
     * ends in an error, not in an array of its size.
     */
    private static byte[] readBlock(InputStream in, int n) throws IOException {
      if (n > MAX_EXACT) {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
          throw ended(n - bytes.length, n);
        }
        return bytes;
      }
      byte[] bytes = new byte[n];
      int off = 0;
      while (off < n) {
        int r = in.read(bytes, off, n - off);
        if (r < 0) {
          throw ended(n - off, n);
        }
        off += r;
      }
      return bytes;
    }

    private static CoderException ended(int missing, int n) {
      return new CoderException("the stream ended " + missing + " bytes into a block of " + n);
    }

    @Override
    public void verifyDeterministic() {}
  }

  /** An unsynchronized stream over a byte array. */
  static final class ByteArrayInput extends InputStream {
    private final byte[] bytes;
    private int pos;

    ByteArrayInput(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, bytes.length - pos);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(bytes, pos, dst, off, n);
      pos += n;
      return n;
    }

    @Override
    public int available() {
      return bytes.length - pos;
    }

    int position() {
      return pos;
    }
  }
}
