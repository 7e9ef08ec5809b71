package dev.lakebeam.transforms.records;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.SerializableFunctions;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Beam's row coder, written as one length-prefixed block of bytes. The encoding of the row itself
 * is {@link RowCoder}'s; only its delivery changes: the row is encoded into a buffer of this thread
 * and handed to the stream in one write, and read back with one read.
 *
 * <p>Why: on the Flink runner every element crosses an exchange through a wrapper stream whose
 * {@code write(int)} and {@code read()} go through two more calls into Flink's paged memory for
 * every byte, and a row's encoding is mostly single bytes. It is a {@link SchemaCoder}, so a
 * collection that carries it keeps its schema for Beam's schema transforms; {@link #of} is what
 * {@code setRowSchema} would set, plus the buffering.
 */
public final class RowBytesCoder extends SchemaCoder<Row> {
  private static final long serialVersionUID = 1L;
  private static final int KEEP_BYTES = 1 << 16;
  private static final ThreadLocal<ByteArrayBuffer> BUFFERS = new ThreadLocal<>();

  private transient RowCoder rows;

  private RowBytesCoder(Schema schema) {
    super(
        schema,
        TypeDescriptors.rows(),
        SerializableFunctions.identity(),
        SerializableFunctions.identity());
  }

  public static RowBytesCoder of(Schema schema) {
    return new RowBytesCoder(schema);
  }

  private RowCoder rows() {
    RowCoder r = rows;
    if (r == null) {
      r = RowCoder.of(schema);
      rows = r;
    }
    return r;
  }

  @Override
  public void encode(Row value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CoderException("cannot encode a null Row");
    }
    // Taken from the thread while in use, so a nested call (none today) gets a buffer of its own.
    ByteArrayBuffer b = BUFFERS.get();
    BUFFERS.set(null);
    if (b == null) {
      b = new ByteArrayBuffer();
    }
    try {
      b.reset();
      rows().encode(value, b);
      VarInt.encode(b.size(), out);
      out.write(b.array(), 0, b.size());
    } finally {
      BUFFERS.set(b.capacity() > KEEP_BYTES ? new ByteArrayBuffer() : b);
    }
  }

  @Override
  public Row decode(InputStream in) throws IOException {
    int n = VarInt.decodeInt(in);
    if (n < 0) {
      throw new CoderException("negative row length " + n);
    }
    byte[] bytes = in.readNBytes(n);
    if (bytes.length != n) {
      throw new CoderException(
          "the stream ended " + (n - bytes.length) + " bytes into a row of " + n);
    }
    RowBlock.ByteArrayInput block = new RowBlock.ByteArrayInput(bytes);
    Row row = rows().decode(block);
    if (block.position() != n) {
      throw new CoderException(
          "a row of " + n + " bytes decoded from " + block.position() + " of them");
    }
    return row;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowBytesCoder c && c.schema.equals(schema);
  }

  @Override
  public int hashCode() {
    return schema.hashCode() * 31 + 7;
  }

  @Override
  public String toString() {
    return "RowBytesCoder(" + schema + ")";
  }
}
