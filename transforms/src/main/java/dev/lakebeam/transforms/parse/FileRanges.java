package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Cuts a large uncompressed file into byte ranges at record boundaries, so that several workers can
 * split and parse one file. The cut points come from one sequential pass over the bytes by {@link
 * RecordSplitter} itself, framing only, so each range starts exactly where a record starts, with
 * the line number the whole-file read would give it, and the records of all ranges are the records
 * of the file, each once.
 *
 * <p>A CSV file is only cut when its first record is a header the caller accepts: the later ranges
 * carry that header. Any other first record (blank, damaged, not a header) leaves the file in one
 * range, read exactly as before.
 */
public final class FileRanges {
  /**
   * A range of a file: bytes {@code [start, end)} ({@code end} MAX_VALUE: to the end), whose first
   * byte is on line {@code firstLine}.
   */
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
  public static Plan plan(
      InputStream in,
      long size,
      boolean csv,
      long target,
      int maxRecordBytes,
      Predicate<String> acceptHeader)
      throws IOException {
    List<Range> ranges = new ArrayList<>();
    String[] header = {null};
    long[] range = {0, 1}; // start, first line
    try {
      new RecordSplitter(csv, maxRecordBytes)
          .framingOnly()
          .split(
              in,
              new RecordSplitter.Listener() {
                @Override
                public void record(long line, String text) {
                  if (csv && header[0] == null) {
                    if (line != 1 || !acceptHeader.test(text)) {
                      throw new Uncut();
                    }
                    header[0] = text;
                  }
                }

                @Override
                public void reject(long line, RejectReason reason, String message, byte[] payload) {
                  if (csv && header[0] == null) {
                    throw new Uncut();
                  }
                }

                @Override
                public void boundary(long offset, long nextLine) {
                  if ((!csv || header[0] != null) && offset - range[0] >= target && offset < size) {
                    ranges.add(new Range(range[0], offset, range[1]));
                    range[0] = offset;
                    range[1] = nextLine;
                  }
                }
              });
    } catch (Uncut e) {
      return whole(size);
    }
    if (ranges.isEmpty()) {
      return whole(size);
    }
    ranges.add(new Range(range[0], Long.MAX_VALUE, range[1])); // the last range reads to the end
    return new Plan(ranges, header[0]);
  }

  /** Ends planning early: the file is read whole. */
  private static final class Uncut extends RuntimeException {
    Uncut() {
      super(null, null, false, false);
    }
  }

  /** One range: the whole file, read as one stream (compressed or small files). */
  public static Plan whole(long size) {
    return new Plan(List.of(new Range(0, Long.MAX_VALUE, 1)), null);
  }
}
