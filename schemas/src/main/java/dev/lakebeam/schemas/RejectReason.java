package dev.lakebeam.schemas;

/**
 * Stable reason codes of dead letters. The code is what Athena users filter on and what {@code
 * sample-data/bad/EXPECTED.csv} names: never rename one, only add.
 */
public enum RejectReason {
  INVALID_ENCODING("parse", "the bytes are not valid UTF-8 or contain NUL characters"),
  RECORD_TOO_LARGE("parse", "the record is longer than the per-record size limit"),
  MISSING_HEADER(
      "parse", "a CSV file whose first line is not a header naming the required columns"),
  WRONG_COLUMN_COUNT("parse", "a CSV record with more or fewer fields than the header"),
  UNTERMINATED_QUOTE("parse", "a CSV record with a quoted field that never closes"),
  MALFORMED_JSON("parse", "a JSON line that does not parse, is truncated or is not an object"),
  WRONG_TYPE(
      "parse",
      "a field whose value has the wrong type (text for a number, an object for a scalar)"),
  NUMBER_OVERFLOW("parse", "a number too large for its column"),
  MISSING_REQUIRED("validate", "a required field is absent, null or empty"),
  OUT_OF_RANGE(
      "validate",
      "a value outside its allowed range (negative quantity, rating 1..5, hour 0..23, ...)"),
  INVALID_TIMESTAMP("parse", "a timestamp or date that does not parse or does not exist"),
  FUTURE_TIMESTAMP("validate", "an event time later than the run's clock plus the tolerance"),
  UNKNOWN_REFERENCE(
      "validate", "a foreign key (product, order, aisle, department) that is not known"),
  GZIP_CORRUPT(
      "parse",
      "a gzip file that is truncated or corrupt: the records read before the damage are kept"),
  LATE_REFERENCE(
      "join", "a streamed order line whose order did not arrive within the allowed lateness");

  private final String stage;
  private final String description;

  RejectReason(String stage, String description) {
    this.stage = stage;
    this.description = description;
  }

  /**
   * The pipeline stage that produces this reason: {@code parse} or {@code validate} (for a record
   * on its own), or {@code join} (the stream's order join, when a referenced order does not come in
   * time).
   */
  public String stage() {
    return stage;
  }

  public String description() {
    return description;
  }
}
