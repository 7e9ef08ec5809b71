package dev.lakebeam.pipelines.run;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/** The share done and the time left in the backfill's progress lines. */
public class ProgressLineTest {
  private static final long MIB = 1L << 20;

  @Test
  public void theShareOfTheInputReadAndTheReadingTimeLeft() {
    assertEquals(
        "without files (a database run) there is no share", "", ProgressLines.shareDone(0, 0, 10));
    assertEquals(
        "starting the job, 0 of 100.0 MiB read; ", ProgressLines.shareDone(0, 100 * MIB, 12));
    assertEquals(
        "25 % of 100.0 MiB read (about 1 min 30 s of reading left); ",
        ProgressLines.shareDone(25 * MIB, 100 * MIB, 30));
    assertEquals(
        "0 % of 3.0 GiB read (too early to tell the time left); ",
        ProgressLines.shareDone(MIB, 3072 * MIB, 5));
    assertEquals(
        "100 % of 512,000 bytes read (parsing and writing the last records); ",
        ProgressLines.shareDone(600_000, 512_000, 9));
    assertEquals(
        "10 % of 1.0 GiB read (about 1 h 30 min of reading left); ",
        ProgressLines.shareDone(1024 * MIB / 10, 1024 * MIB, 600));
  }
}
