package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.apache.beam.sdk.io.aws2.kinesis.WatermarkParameters;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.SerializableUtils;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * A shard's idle clock starts when its reader starts on the worker, not when the pipeline was
 * built: a job started (or restored) later than the idle threshold must not treat its shards as
 * idle before their first read, or their backlog would be too late.
 */
public class EventTimeWatermarksTest {
  @Test
  public void theIdleClockStartsWithTheShardsReaderNotWithThePipeline() throws Exception {
    Duration idle = Duration.millis(300);
    // Built now (as on the client), serialized into the job, used later (as on a worker).
    WatermarkPolicyFactory ours =
        SerializableUtils.clone(new StreamPipeline.EventTimeWatermarks("order_ts", idle));
    WatermarkPolicyFactory beams =
        SerializableUtils.clone(
            WatermarkPolicyFactory.withCustomWatermarkPolicy(
                WatermarkParameters.create()
                    .withTimestampFn(new EventTime("order_ts"))
                    .withWatermarkIdleDurationThreshold(idle)));
    Thread.sleep(600); // the job starts later than the idle threshold

    WatermarkPolicy started = ours.createWatermarkPolicy();
    assertEquals(
        "a shard that has not been read yet holds the watermark back",
        BoundedWindow.TIMESTAMP_MIN_VALUE,
        started.getWatermark());
    // Beam's own factory (what this replaces) already counts the shard as idle: the watermark
    // jumps to the clock before the first record, so a backlog of older events would be late.
    assertTrue(
        beams
            .createWatermarkPolicy()
            .getWatermark()
            .isAfter(Instant.now().minus(Duration.standardSeconds(5))));
    // And once the shard is really idle for the threshold, its watermark follows the clock.
    Thread.sleep(450);
    assertTrue(started.getWatermark().isAfter(Instant.now().minus(Duration.standardSeconds(5))));
  }
}
