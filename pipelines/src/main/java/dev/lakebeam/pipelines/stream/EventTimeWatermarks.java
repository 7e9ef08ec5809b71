package dev.lakebeam.pipelines.stream;

import org.apache.beam.sdk.io.aws2.kinesis.WatermarkParameters;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.joda.time.Duration;

/**
 * Event-time watermarks per shard, idle shards following the clock after the threshold. Beam's
 * {@code WatermarkParameters.create()} stamps its "last record seen" time when the pipeline is
 * built on the client, and every shard's policy starts from that instant: a job that starts (or is
 * restored from a savepoint) more than the idle threshold later sees each shard as idle before its
 * first read, moves the watermark to the clock, and drops a shard's backlog of older events as too
 * late. Here the parameters are created with the policy, on the worker, when the shard's reader
 * starts. (Seen as two lost orders in StreamRestartTest on a loaded machine.)
 */
final class EventTimeWatermarks implements WatermarkPolicyFactory {
  private final String field;
  private final Duration idle;

  EventTimeWatermarks(String field, Duration idle) {
    this.field = field;
    this.idle = idle;
  }

  @Override
  public WatermarkPolicy createWatermarkPolicy() {
    return WatermarkPolicyFactory.withCustomWatermarkPolicy(
            WatermarkParameters.create()
                .withTimestampFn(new EventTime(field))
                .withWatermarkIdleDurationThreshold(idle))
        .createWatermarkPolicy();
  }
}
