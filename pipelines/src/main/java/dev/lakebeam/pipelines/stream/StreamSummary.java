package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.run.OutcomeTable;
import dev.lakebeam.pipelines.run.RunMetrics;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;

/**
 * The summary of a finished stream run: its zones, records by outcome, late drops, and reads per
 * shard and stream.
 */
final class StreamSummary {
  private static final String SHARD_READ = "kinesis_shard_read.";

  /** Beam's counter of records a window dropped as later than its allowed lateness. */
  private static final String LATE_NAMESPACE =
      "org.apache.beam.runners.core.LateDataDroppingDoFnRunner";

  private StreamSummary() {}

  static void print(PrintStream out, PipelineResult result, StreamPlan plan, String dedupeHorizon) {
    Map<String, Long> counters = RunMetrics.values(result, Accounting.NAMESPACE);
    out.println("stream: finished");
    out.println("  raw zone:         " + plan.raw + "/kinesis");
    out.println("  clean zone:       " + plan.clean);
    out.println("  consumption zone: " + plan.consumption);
    OutcomeTable.print(
        out,
        RunMetrics.counts(
            counters,
            List.of(
                SourceDataset.ORDERS,
                SourceDataset.ORDER_LINES,
                SourceDataset.CLICK_EVENTS,
                SourceDataset.FEEDBACK)),
        List.of("in", "clean", "rejected", "duplicates"));
    long tooLate =
        RunMetrics.values(result, LATE_NAMESPACE).getOrDefault("droppedDueToLateness", 0L);
    out.printf(
        Locale.ROOT,
        "  records dropped by a window as later than --allowedLatenessSeconds: %,d (they are in raw)%n",
        tooLate);
    RunMetrics.values(result, ShardReads.NAMESPACE)
        .forEach(
            (k, v) -> {
              if (k.startsWith(SHARD_READ)) {
                out.printf(
                    Locale.ROOT,
                    "  %s: %,d records read%n",
                    k.substring(SHARD_READ.length()).replace('/', ' '),
                    v);
              }
            });
    for (SourceDataset s : plan.sources) {
      long read = counters.getOrDefault(ToRawFn.READ + s.kinesis().name(), 0L);
      long unique = counters.getOrDefault(UniqueFn.UNIQUE + s.kinesis().name(), 0L);
      out.printf(
          Locale.ROOT,
          "  %s: %,d records read, %,d redeliveries dropped (same event id within %s)%n",
          plan.names.get(s),
          read,
          read - unique,
          dedupeHorizon);
    }
  }
}
