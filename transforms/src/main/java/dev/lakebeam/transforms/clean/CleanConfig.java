package dev.lakebeam.transforms.clean;

import java.io.Serializable;
import java.time.Clock;
import java.time.LocalDate;
import org.joda.time.Instant;

/** What the clean stage needs to know about the run. */
public final class CleanConfig implements Serializable {
  private static final long serialVersionUID = 2L;

  /** The run's clock: fixed at a batch run's start; the wall clock for a stream. */
  private final Clock clock;

  final long futureToleranceMillis;
  final Tokenizer tokenizer;
  final LocalDate asOf;
  final LocalDate from;
  final LocalDate to;

  /**
   * @param runStart a batch run's clock: _ingested_at, and the base of the future-timestamp check
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
    this(
        Clock.fixed(java.time.Instant.ofEpochMilli(runStart.getMillis()), java.time.ZoneOffset.UTC),
        futureToleranceMillis,
        tokenizer,
        asOf,
        from,
        to);
  }

  private CleanConfig(
      Clock clock,
      long futureToleranceMillis,
      Tokenizer tokenizer,
      LocalDate asOf,
      LocalDate from,
      LocalDate to) {
    this.clock = clock;
    this.futureToleranceMillis = futureToleranceMillis;
    this.tokenizer = tokenizer;
    this.asOf = asOf;
    this.from = from;
    this.to = to;
  }

  /**
   * A stream's: the clock is the wall clock when each record is cleaned (when its window fires), so
   * an event is checked against that time however long the stream has run, and {@code _ingested_at}
   * is when it was cleaned.
   *
   * @param clock the wall clock ({@code Clock.systemUTC()}; a test's own)
   */
  public static CleanConfig live(
      Clock clock, long futureToleranceMillis, Tokenizer tokenizer, LocalDate asOf) {
    return new CleanConfig(clock, futureToleranceMillis, tokenizer, asOf, null, null);
  }

  Instant latestAllowed() {
    return new Instant(clock.millis() + futureToleranceMillis);
  }

  Instant ingestedAt() {
    return new Instant(clock.millis());
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
