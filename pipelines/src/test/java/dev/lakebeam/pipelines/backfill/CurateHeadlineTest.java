package dev.lakebeam.pipelines.backfill;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.Zone;
import java.util.EnumSet;
import org.junit.Test;

public class CurateHeadlineTest {
  @Test
  public void namesOnlyTheZonesTheRunBuilds() {
    assertEquals(
        "backfill: building curated and consumption from /lake/clean",
        Backfill.curateHeadline(
            EnumSet.of(Zone.RAW, Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION), "/lake/clean"));
    assertEquals(
        "backfill: building curated from /lake/clean",
        Backfill.curateHeadline(EnumSet.of(Zone.CURATED), "/lake/clean"));
    assertEquals(
        "backfill: building consumption from /lake/curated",
        Backfill.curateHeadline(EnumSet.of(Zone.CONSUMPTION), "/lake/curated"));
  }
}
