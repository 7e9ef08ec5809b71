package dev.lakebeam.schemas;

/** How a dataset's files are laid out under its folder. */
public enum Partitioning {
  /** One snapshot: {zone}/{dataset}/*.parquet. */
  NONE,
  /** By the UTC date of the dataset's event-time column: year=YYYY/month=MM/day=DD. */
  EVENT_DATE,
  /** By the date the features were computed for: as_of=YYYY-MM-DD. */
  AS_OF
}
