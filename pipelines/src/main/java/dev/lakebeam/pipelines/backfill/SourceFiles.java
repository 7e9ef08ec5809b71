package dev.lakebeam.pipelines.backfill;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.CsvFields;
import dev.lakebeam.transforms.records.Accounting;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The source files a backfill matched: checks made before the run starts, and what the run read of
 * each.
 */
final class SourceFiles {
  /** How much of a file's (decompressed) start is read to tell a header-only file. */
  private static final int PEEK = 64 * 1024;

  /** The datasets' file names, for messages. */
  static final String KNOWN =
      Arrays.stream(SourceDataset.values())
          .map(SourceDataset::filePattern)
          .collect(Collectors.joining(", "));

  private SourceFiles() {}

  /**
   * Lists the files directly under {@code folder} into {@code byDataset} ({@link
   * SourceDataset#ofFile}: any case, usual extensions); returns the names of those that match no
   * dataset.
   */
  static List<String> classify(
      String folder, Map<SourceDataset, List<MatchResult.Metadata>> byDataset) throws IOException {
    MatchResult m = FileSystems.match(folder + "*", EmptyMatchTreatment.ALLOW);
    if (m.status() == MatchResult.Status.NOT_FOUND) {
      return List.of();
    }
    if (m.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + folder + ": " + m.status());
    }
    List<String> unmatched = new ArrayList<>();
    for (MatchResult.Metadata md : m.metadata()) {
      if (md.resourceId().isDirectory()) {
        continue;
      }
      String name = md.resourceId().getFilename();
      SourceDataset.ofFile(name)
          .ifPresentOrElse(
              d -> byDataset.computeIfAbsent(d, k -> new ArrayList<>()).add(md),
              () -> unmatched.add(name));
    }
    unmatched.sort(null);
    return unmatched;
  }

  /** The first PEEK + 1 bytes of a file, decompressed; null when its gzip stream is damaged. */
  private static byte[] peek(MatchResult.Metadata md) throws IOException {
    byte[] buf = new byte[PEEK + 1];
    int n = 0;
    try (InputStream raw = Channels.newInputStream(FileSystems.open(md.resourceId()));
        InputStream in =
            md.resourceId().getFilename().toLowerCase(Locale.ROOT).endsWith(".gz")
                ? new GZIPInputStream(raw)
                : raw) {
      for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
        n += r;
      }
    } catch (ZipException | EOFException e) {
      return null;
    }
    return Arrays.copyOf(buf, n);
  }

  /**
   * A CSV file's header: its columns, the dataset's columns it lacks, and those the dataset does
   * not know.
   */
  record Header(List<String> columns, List<String> missing, List<String> extra) {}

  /**
   * The header of a CSV file, or null when the file is JSON or its first line names none of the
   * dataset's fields (then it is not a header: the reader rejects its records as MISSING_HEADER).
   */
  static Header header(MatchResult.Metadata md, SourceDataset dataset) throws IOException {
    if (dataset.format() != SourceDataset.Format.CSV || md.sizeBytes() == 0) {
      return null;
    }
    byte[] buf = peek(md);
    if (buf == null) {
      return null;
    }
    int n = buf.length;
    int from =
        n >= 3 && (buf[0] & 0xFF) == 0xEF && (buf[1] & 0xFF) == 0xBB && (buf[2] & 0xFF) == 0xBF
            ? 3
            : 0;
    int end = from;
    while (true) { // the first line that is not blank, as the reader takes it
      while (end < n && buf[end] != '\n' && buf[end] != '\r') {
        end++;
      }
      if (end >= n || !new String(buf, from, end - from, StandardCharsets.UTF_8).isBlank()) {
        break;
      }
      from = ++end;
    }
    List<String> columns;
    try {
      columns =
          CsvFields.split(new String(buf, from, end - from, StandardCharsets.UTF_8)).stream()
              .map(c -> c.trim().toLowerCase(Locale.ROOT))
              .toList();
    } catch (CsvFields.MalformedCsv e) {
      return null;
    }
    List<String> known = dataset.knownFields();
    if (columns.stream().noneMatch(known::contains)) {
      return null;
    }
    return new Header(
        columns,
        dataset.csvColumns().stream().filter(c -> !columns.contains(c)).toList(),
        columns.stream().filter(c -> !known.contains(c)).toList());
  }

  /**
   * Why a source file holds no record (null when it holds one): empty, or, read to its end within
   * the first 64 KiB, nothing but blank lines and (for CSV) a header.
   */
  static String withoutRecords(MatchResult.Metadata md, boolean csv) throws IOException {
    if (md.sizeBytes() == 0) {
      return "is empty (0 bytes)";
    }
    byte[] buf = peek(md);
    if (buf == null) {
      return null; // damaged gzip: the reader rejects it as GZIP_CORRUPT, with what it could read
    }
    int n = buf.length;
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

  /**
   * Each dataset read from files gets {@code lines}: the physical lines of its files, beside {@code
   * in}.
   */
  static void addLines(
      Map<String, Map<String, Long>> counts,
      Map<SourceDataset, List<MatchResult.Metadata>> files,
      Map<String, Long> lines) {
    files.forEach(
        (d, list) -> {
          Map<String, Long> c = counts.get(d.sourceName());
          if (c != null) {
            c.put(
                "lines",
                list.stream()
                    .mapToLong(md -> lines.getOrDefault(Accounting.LINES + md.resourceId(), 0L))
                    .sum());
          }
        });
  }

  /** The manifest's list of input files: dataset, path, bytes and, once read, their lines. */
  static void describe(
      ArrayNode inputs,
      Map<SourceDataset, List<MatchResult.Metadata>> files,
      Map<String, Long> lines) {
    files.forEach(
        (d, list) ->
            list.forEach(
                md -> {
                  ObjectNode f = inputs.addObject();
                  f.put("dataset", d.sourceName());
                  f.put("path", md.resourceId().toString());
                  f.put("bytes", md.sizeBytes());
                  Long n = lines.get(Accounting.LINES + md.resourceId());
                  if (n != null) {
                    f.put("lines", n);
                    f.put(
                        "blank_lines", lines.getOrDefault(Accounting.BLANK + md.resourceId(), 0L));
                    f.put(
                        "continuation_lines",
                        lines.getOrDefault(Accounting.CONTINUED + md.resourceId(), 0L));
                  }
                }));
  }
}
