package dev.lakebeam.pipelines.stream;

import org.apache.beam.sdk.io.aws2.kinesis.WatermarkParameters;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.joda.time.Duration;

/**
 * Event-time watermarks per shard; an idle shard follows the clock after the threshold. The
 * parameters are made here, on the worker as the shard's reader starts: made on the client, they
 * would date every shard's last record to the job's build, and a job started or restored later than
 * the threshold would take each shard as idle and drop its backlog as late.
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
