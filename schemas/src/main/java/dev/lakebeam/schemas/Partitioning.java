package dev.lakebeam.schemas;

/** How a dataset's files are laid out under its folder. */
public enum Partitioning {
  /** One snapshot: {zone}/{dataset}/*.parquet. */
  NONE,
  /** By the UTC date of the dataset's event-time column: year=YYYY/month=MM/day=DD. */
  EVENT_DATE,
  /** By the date the features were computed for: as_of=YYYY-MM-DD. */
  AS_OF;

  /** The partition of files by the UTC date they were written: raw files and rejects. */
  public static final String INGEST_DATE = "ingest_date";

  /**
   * The folder of a day's written files, {@code ingest_date=YYYY-MM-DD} (or a glob in place of the
   * day).
   */
  public static String ingestDate(Object day) {
    return INGEST_DATE + "=" + day;
  }
}
