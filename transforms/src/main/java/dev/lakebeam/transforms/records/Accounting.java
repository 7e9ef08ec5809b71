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

  private Accounting() {}
}
