package dev.lakebeam.transforms.clean;

import java.io.Serializable;
import java.time.LocalDate;
import org.joda.time.Instant;

/** What the clean stage needs to know about the run. */
public final class CleanConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  final long runStartMillis;
  final long futureToleranceMillis;
  final Tokenizer tokenizer;
  final LocalDate asOf;
  final LocalDate from;
  final LocalDate to;

  /**
   * @param runStart the run's clock: _ingested_at, and the base of the future-timestamp check
   * @param futureToleranceMillis how far past the run's clock an event time may be
   * @param asOf the as-of date of the order_ts rule
   * @param from first event date kept (inclusive), or null for no lower bound
   * @param to last event date kept (inclusive), or null for no upper bound
   */
  public CleanConfig(
      Instant runStart,
      long futureToleranceMillis,
      Tokenizer tokenizer,
      LocalDate asOf,
      LocalDate from,
      LocalDate to) {
    this.runStartMillis = runStart.getMillis();
    this.futureToleranceMillis = futureToleranceMillis;
    this.tokenizer = tokenizer;
    this.asOf = asOf;
    this.from = from;
    this.to = to;
  }

  Instant latestAllowed() {
    return new Instant(runStartMillis + futureToleranceMillis);
  }

  Instant ingestedAt() {
    return new Instant(runStartMillis);
  }

  /** Whether an event date is inside the run's range. */
  boolean inRange(LocalDate d) {
    return (from == null || !d.isBefore(from)) && (to == null || !d.isAfter(to));
  }

  /** The PII tokenizer of the run (its key is never printed). */
  public Tokenizer tokenizer() {
    return tokenizer;
  }
}
