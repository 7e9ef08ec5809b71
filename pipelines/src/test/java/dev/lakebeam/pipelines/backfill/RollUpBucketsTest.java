package dev.lakebeam.pipelines.backfill;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class RollUpBucketsTest {
  @Test
  public void aBucketHoldsSixtyFourKibibytesOfLineParquetBetweenTheBounds() {
    assertEquals(16, Curate.rollUpBuckets(0));
    assertEquals(16, Curate.rollUpBuckets(1L << 20));
    // 50 MB of clean order-line Parquet, about 500k orders
    assertEquals(762, Curate.rollUpBuckets(50_000_000L));
    // the full Instacart scale's 342,771,880 bytes reach the cap
    assertEquals(Curate.MAX_BUCKETS, Curate.rollUpBuckets(342_771_880L));
  }
}
