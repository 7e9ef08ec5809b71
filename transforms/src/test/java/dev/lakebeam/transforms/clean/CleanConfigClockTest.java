package dev.lakebeam.transforms.clean;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.Test;

/**
 * A batch run checks event times against its start; a stream against the time each record arrives.
 */
public class CleanConfigClockTest {
  private static final Tokenizer TOKENS =
      new Tokenizer("clean-config-clock-key".getBytes(StandardCharsets.UTF_8));
  private static final long HOUR = 3_600_000L;

  /** A clock a test moves forward. */
  private static final class MovingClock extends Clock {
    private long millis;

    MovingClock(long millis) {
      this.millis = millis;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Test
  public void aStreamsFutureLimitAndIngestTimeFollowTheClock() {
    MovingClock clock = new MovingClock(1_750_000_000_000L);
    CleanConfig cfg = CleanConfig.live(clock, HOUR, TOKENS, LocalDate.parse("2025-06-30"));
    assertEquals(1_750_000_000_000L + HOUR, cfg.latestAllowed().getMillis());
    clock.millis += 5 * HOUR; // a stream that has run for five hours
    assertEquals(1_750_000_000_000L + 6 * HOUR, cfg.latestAllowed().getMillis());
    assertEquals(1_750_000_000_000L + 5 * HOUR, cfg.ingestedAt().getMillis());
  }

  @Test
  public void aBatchRunKeepsItsStart() {
    org.joda.time.Instant start = new org.joda.time.Instant(1_750_000_000_000L);
    CleanConfig cfg =
        new CleanConfig(start, HOUR, TOKENS, LocalDate.parse("2025-06-30"), null, null);
    assertEquals(start.getMillis() + HOUR, cfg.latestAllowed().getMillis());
    assertEquals(start.getMillis(), cfg.ingestedAt().getMillis());
  }
}
