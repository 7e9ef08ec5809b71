package dev.lakebeam.transforms.parse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Cuts a large uncompressed file into byte ranges at record boundaries, so that several workers
 * can split and parse one file. The cut points come from one sequential pass over the bytes with
 * the same framing as {@link RecordSplitter} (a newline inside a quoted CSV field does not end a
 * record), so each range starts exactly where a record starts, with the line number the whole-file
 * read would give it, and the records of all ranges are the records of the file, each once.
 *
 * <p>A CSV file is only cut when its first record is a header the caller accepts: the later
 * ranges carry that header. Any other first record (blank, damaged, not a header) leaves the file
 * in one range, read exactly as before.
 */
public final class FileRanges {
  /** A range of a file: bytes {@code [start, end)} ({@code end} MAX_VALUE: to the end), whose first byte is on line {@code firstLine}. */
  public record Range(long start, long end, long firstLine) {}

  /** The ranges of a file, and (CSV) its header line for the ranges after the first. */
  public record Plan(List<Range> ranges, String header) {}

  private FileRanges() {}

  /**
   * Plans the ranges of a file of {@code size} bytes read from {@code in}, each about {@code
   * target} bytes (the last may be shorter, a long record makes one longer).
   *
   * @param acceptHeader says whether a CSV file's first record is a usable header
   */
  public static Plan plan(InputStream in, long size, boolean csv, long target, int maxRecordBytes, Predicate<String> acceptHeader)
      throws IOException {
    List<Range> ranges = new ArrayList<>();
    ByteArrayOutputStream headerBytes = csv ? new ByteArrayOutputStream(256) : null;
    String header = null;
    boolean headerDone = !csv;
    boolean inQuotes = false;
    long pos = 0;
    long newlines = 0;
    long rangeStart = 0;
    long rangeLine = 1;
    byte[] chunk = new byte[1 << 16];
    int n;
    while ((n = in.read(chunk)) > 0) {
      for (int i = 0; i < n; i++, pos++) {
        byte b = chunk[i];
        if (csv && b == '"') {
          inQuotes = !inQuotes;
        }
        if (!headerDone) {
          if (b == '\n' && !inQuotes) {
            header = headerText(headerBytes.toByteArray(), maxRecordBytes);
            if (header == null || !acceptHeader.test(header)) {
              return whole(size);
            }
            headerDone = true;
          } else if (headerBytes.size() <= maxRecordBytes) {
            headerBytes.write(b);
          }
        }
        if (b == '\n') {
          newlines++;
          if (!inQuotes && headerDone && pos + 1 - rangeStart >= target && pos + 1 < size) {
            ranges.add(new Range(rangeStart, pos + 1, rangeLine));
            rangeStart = pos + 1;
            rangeLine = newlines + 1;
          }
        }
      }
    }
    if (!headerDone || ranges.isEmpty()) {
      return whole(size);
    }
    ranges.add(new Range(rangeStart, Long.MAX_VALUE, rangeLine)); // the last range reads to the end
    return new Plan(ranges, header);
  }

  /** One range: the whole file, read as one stream (compressed or small files). */
  public static Plan whole(long size) {
    return new Plan(List.of(new Range(0, Long.MAX_VALUE, 1)), null);
  }

  /** The header record as {@link RecordSplitter} would emit it, or null where it would not. */
  private static String headerText(byte[] bytes, int maxRecordBytes) {
    int from = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
    int len = bytes.length;
    if (len > 0 && bytes[len - 1] == '\r') {
      len--;
    }
    if (len - from <= 0 || bytes.length > maxRecordBytes) {
      return null;
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, from, len - from))
          .toString();
      return text.isBlank() || text.indexOf('\0') >= 0 ? null : text;
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
