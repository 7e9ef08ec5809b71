package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.transforms.records.ByteArrayBuffer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipException;

/**
 * Frames a byte stream into records, never throwing on bad input: CSV records per RFC 4180 (a
 * quoted field may hold commas, doubled quotes and line breaks), or one JSON document per line.
 * Handles a UTF-8 BOM, CRLF and LF, checks each record is valid UTF-8 without NUL characters and
 * within the size limit, and turns a truncated or corrupt gzip stream into one reject that holds
 * what was read of the damaged record. Memory per record is bounded by the size limit.
 */
public final class RecordSplitter {
  /** Receives what the splitter finds; line numbers are 1-based, of the record's first line. */
  public interface Listener {
    void record(long line, String text);

    void reject(long line, RejectReason reason, String message, byte[] payload);
  }

  private final boolean csv;
  private final int maxRecordBytes;

  public RecordSplitter(boolean csv, int maxRecordBytes) {
    this.csv = csv;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Reads the whole stream. I/O errors other than gzip damage are thrown (the file is unreadable). */
  public void split(InputStream in, Listener listener) throws IOException {
    split(in, 1, Long.MAX_VALUE, listener);
  }

  /**
   * Reads at most {@code limit} bytes of the stream: one range of a file that {@link FileRanges}
   * cut at record boundaries. {@code firstLine} is the line number of the range's first byte; a
   * UTF-8 BOM is skipped only at line 1 (the file's start).
   */
  public void split(InputStream in, long firstLine, long limit, Listener listener) throws IOException {
    ByteArrayBuffer buf = new ByteArrayBuffer();
    long line = firstLine;
    long recordLine = firstLine;
    boolean inQuotes = false;
    boolean oversized = false;
    boolean first = firstLine == 1;
    byte[] chunk = new byte[1 << 16];
    long left = limit;
    try {
      int n;
      while (left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) > 0) {
        left -= n;
        int start = 0;
        if (first) {
          first = false;
          if (n >= 3 && (chunk[0] & 0xFF) == 0xEF && (chunk[1] & 0xFF) == 0xBB && (chunk[2] & 0xFF) == 0xBF) {
            start = 3;
          }
        }
        for (int i = start; i < n; i++) {
          byte b = chunk[i];
          if (csv && b == '"') {
            inQuotes = !inQuotes;
          }
          if (b == '\n') {
            line++;
            if (!inQuotes) {
              emit(buf, recordLine, oversized, listener);
              buf.reset();
              oversized = false;
              recordLine = line;
              continue;
            }
          }
          if (buf.size() < maxRecordBytes) {
            buf.write(b);
          } else {
            oversized = true;
          }
        }
      }
    } catch (EOFException | ZipException e) {
      listener.reject(
          recordLine,
          RejectReason.GZIP_CORRUPT,
          "compressed stream is damaged at line " + line + " (" + e.getMessage() + "); records before it were kept",
          buf.toByteArray());
      return;
    }
    if (inQuotes) {
      listener.reject(
          recordLine,
          RejectReason.UNTERMINATED_QUOTE,
          "a quoted field opened on line " + recordLine + " never closes before the end of the file",
          buf.toByteArray());
      return;
    }
    emit(buf, recordLine, oversized, listener);
  }

  private void emit(ByteArrayBuffer buf, long line, boolean oversized, Listener listener) {
    // The buffer's own array, valid until the next record: every path below copies what it keeps.
    byte[] bytes = buf.array();
    int len = buf.size();
    if (len > 0 && bytes[len - 1] == '\r') {
      len--;
    }
    if (oversized) {
      listener.reject(
          line,
          RejectReason.RECORD_TOO_LARGE,
          "record is longer than the limit of " + maxRecordBytes + " bytes",
          buf.toByteArray());
      return;
    }
    if (len == 0 || isBlank(bytes, len)) {
      return;
    }
    String text = asciiWithoutNul(bytes, len);
    if (text != null) {
      listener.record(line, text);
      return;
    }
    try {
      CharsetDecoder d =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      text = d.decode(ByteBuffer.wrap(bytes, 0, len)).toString();
    } catch (CharacterCodingException e) {
      listener.reject(line, RejectReason.INVALID_ENCODING, "record is not valid UTF-8", java.util.Arrays.copyOf(bytes, len));
      return;
    }
    if (text.indexOf('\0') >= 0) {
      listener.reject(line, RejectReason.INVALID_ENCODING, "record contains a NUL character", java.util.Arrays.copyOf(bytes, len));
      return;
    }
    listener.record(line, text);
  }

  /**
   * The record as a string when every byte is 7-bit ASCII and none is NUL (nearly every record:
   * the check and a Latin-1 copy cost a fraction of a strict UTF-8 decode); null otherwise, and
   * the strict decoder decides.
   */
  private static String asciiWithoutNul(byte[] b, int len) {
    for (int i = 0; i < len; i++) {
      if (b[i] <= 0) {
        return null;
      }
    }
    return new String(b, 0, len, StandardCharsets.ISO_8859_1);
  }

  /**
   * The bytes of the record being framed. Not a {@code ByteArrayOutputStream}: its {@code
   * write(int)} is synchronized, and a lock per byte cost more than the framing itself.
   */
  private static boolean isBlank(byte[] b, int len) {
    for (int i = 0; i < len; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }
}
