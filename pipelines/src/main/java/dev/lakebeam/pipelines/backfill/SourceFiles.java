package dev.lakebeam.pipelines.backfill;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Checks on the source files a backfill matched, made before the run starts. */
final class SourceFiles {
  /** How much of a file's (decompressed) start is read to tell a header-only file. */
  private static final int PEEK = 64 * 1024;

  private SourceFiles() {}

  /**
   * Why a source file holds no record (null when it holds one): empty, or, read to its end within
   * the first 64 KiB, nothing but blank lines and (for CSV) a header.
   */
  static String withoutRecords(MatchResult.Metadata md, boolean csv) throws IOException {
    if (md.sizeBytes() == 0) {
      return "is empty (0 bytes)";
    }
    byte[] buf = new byte[PEEK + 1];
    int n = 0;
    try (InputStream raw = Channels.newInputStream(FileSystems.open(md.resourceId()));
        InputStream in = md.resourceId().getFilename().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
        n += r;
      }
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      return null; // damaged gzip: the reader rejects it as GZIP_CORRUPT, with what it could read
    }
    if (n > PEEK) {
      return null; // longer than a header: it holds records (or rejects), the reader will tell
    }
    int lines = 0;
    boolean blank = true;
    for (int i = 0; i < n; i++) {
      byte b = buf[i];
      if (b == '\n' || b == '\r') {
        lines += blank ? 0 : 1;
        blank = true;
      } else if (b != ' ' && b != '\t') {
        blank = false;
      }
    }
    lines += blank ? 0 : 1;
    if (lines == 0) {
      return "holds no record (blank)";
    }
    return csv && lines == 1 ? "holds a header and no record" : null;
  }
}
