package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.StreamOptions;
import java.io.PrintStream;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkParameters;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.joda.time.Duration;

/**
 * The unbounded pipeline (DESIGN §4): Kinesis streams into the raw, clean and consumption zones
 * with the same transforms as the backfill. Per stream: KinesisIO (aws2) with an event-time
 * watermark (the record's {@code order_ts}, {@code ts} or {@code submitted_at}; an idle shard's
 * watermark follows the clock after {@code --idleSeconds}); Firehose-like raw delivery; then, in
 * event-time windows of {@code --windowSeconds}, the shared split/parse/clean (dimensions from the
 * clean zone serve the reference checks), windowed Parquet writes into the clean zone's {@code
 * year=/month=/day=} layout and its rejects, and the near-real-time consumption tables {@code
 * department_sales_1m} and {@code click_sessions}. Its plan ({@link StreamPlan}) checks the
 * options; the wiring ({@link StreamStages}) builds the job; progress lines ({@link
 * StreamProgress}) and the summary ({@link StreamSummary}) report the run.
 */
public final class StreamPipeline {
  private final StreamOptions o;
  private final PrintStream out;
  private final PrintStream err;

  public StreamPipeline(StreamOptions o, PrintStream out, PrintStream err) {
    this.o = o;
    this.out = out;
    this.err = err;
  }

  public int run() throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    LakeOptions.checkWritable(o);
    StreamPlan plan = StreamPlan.of(o, err);
    o.as(StreamingOptions.class).setStreaming(true);
    LocalFlinkSavepoint.restore(o);
    Pipeline p = Pipeline.create(o);
    StreamIo.build(p, plan);

    err.println(
        "stream: reading "
            + List.copyOf(plan.names.values())
            + " from "
            + plan.position
            + (plan.maxReadTime == null
                ? " until cancelled"
                : " for " + plan.maxReadTime.getStandardSeconds() + " s"));
    ShardReads.reset();
    ToRawFn.resetInjectedFailure();
    PipelineResult.State state;
    PipelineResult result;
    try (AutoCloseable progress = StreamProgress.start(o, plan, err)) {
      result = p.run();
      state = result.waitUntilFinish();
    }
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the stream ended in state " + state);
    }
    StreamSummary.print(out, result, plan, o.getDedupeHorizon());
    return 0;
  }

  /**
   * Event-time watermarks per shard; an idle shard follows the clock after the threshold. The
   * parameters are made here, on the worker as the shard's reader starts: made on the client, they
   * would date every shard's last record to the job's build, and a job started or restored later
   * than the threshold would take each shard as idle and drop its backlog as late.
   */
  static final class EventTimeWatermarks implements WatermarkPolicyFactory {
    /** Its name and this id stay: Flink saves it with the Kinesis read's state in savepoints. */
    private static final long serialVersionUID = -8875397525491907540L;

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
}
