package dev.lakebeam.transforms.records;

/**
 * Names of the Beam counters that account for every record: for each source dataset, {@code in =
 * clean + rejected + duplicates + skipped} must hold at the end of a run (skipped: outside the
 * run's --from/--to range). {@code parsed} is informational.
 */
public final class Accounting {
  public static final String NAMESPACE = "lakebeam";
  public static final String IN = "in.";
  public static final String PARSED = "parsed.";
  public static final String CLEAN = "clean.";
  public static final String REJECTED = "rejected.";
  public static final String DUPLICATES = "duplicates.";
  public static final String SKIPPED = "skipped.";

  /** Rejects by clean dataset and reason: {@code reason.<dataset>.<REASON_CODE>}. */
  public static final String REASON = "reason.";

  /**
   * Physical lines of each source file, in their own namespace: {@code lines:<path>} (every line
   * read), {@code blank:<path>} (lines holding only blanks, outside any record) and {@link
   * #CONTINUED}. Lines = header + blank + records read + continued.
   */
  public static final String LINES_NAMESPACE = "lakebeam_lines";

  public static final String LINES = "lines:";
  public static final String BLANK = "blank:";

  /**
   * Bytes of source files read so far (compressed bytes for .gz), in {@link #LINES_NAMESPACE}: the
   * progress lines' share done.
   */
  public static final String BYTES_READ = "bytes_read";

  /**
   * Lines after the first of records that span several (quoted line breaks): {@code
   * continued:<path>}.
   */
  public static final String CONTINUED = "continued:";

  private Accounting() {}
}
