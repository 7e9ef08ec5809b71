package dev.lakebeam.transforms.records;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer that is an {@link OutputStream}, without the lock {@code
 * java.io.ByteArrayOutputStream} takes on every write (Java 17 has no biased locking, and on the
 * backfill's per-byte paths that lock was measurable). Not thread-safe; reuse it with {@link
 * #reset()}, read it in place with {@link #array()} and {@link #size()}.
 */
public final class ByteArrayBuffer extends OutputStream {
  private byte[] bytes = new byte[256];
  private int size;

  @Override
  public void write(int b) {
    if (size == bytes.length) {
      bytes = Arrays.copyOf(bytes, size * 2);
    }
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] src, int off, int len) {
    if (size + len > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + len));
    }
    System.arraycopy(src, off, bytes, size, len);
    size += len;
  }

  /**
   * A long as a variable-length int, 7 bits a byte, low bits first (the block codec's form),
   * straight into the array: one capacity check, not one per byte.
   */
  public void writeVarLong(long v) {
    if (size + 10 > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + 10));
    }
    byte[] b = bytes;
    int at = size;
    while ((v & ~0x7FL) != 0) {
      b[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[at++] = (byte) v;
    size = at;
  }

  /** A long as 8 bytes, low byte first. */
  public void writeFixedLong(long v) {
    if (size + 8 > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + 8));
    }
    for (int s = 0; s < 64; s += 8) {
      bytes[size++] = (byte) (v >>> s);
    }
  }

  public int size() {
    return size;
  }

  /** The bytes written so far are {@code array()[0, size())}; the array changes as it grows. */
  public byte[] array() {
    return bytes;
  }

  /** The capacity, for a caller that drops a buffer grown too large to keep. */
  public int capacity() {
    return bytes.length;
  }

  public void reset() {
    size = 0;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }
}
