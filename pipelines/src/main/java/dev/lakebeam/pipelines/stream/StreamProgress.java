package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.options.StreamOptions;
import dev.lakebeam.pipelines.run.ProgressLines;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Progress;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;

/**
 * Every --progressSeconds (none when 0): records read and redeliveries dropped per stream, then a
 * line per shard from {@link ShardReads}, with each stream's open shards listed from Kinesis so
 * that an open shard left unread is flagged. Only a job in this JVM ({@code [local]}) has a tally
 * to print; on a cluster the same figures are the per-shard Beam metrics.
 */
final class StreamProgress {
  private StreamProgress() {}

  /** Starts the lines; closing the handle stops them and closes their Kinesis client. */
  static AutoCloseable start(StreamOptions o, StreamPlan plan, PrintStream err) {
    long start = System.currentTimeMillis();
    OpenShards shards = new OpenShards(o);
    AutoCloseable lines =
        ProgressLines.every(
            o.getProgressSeconds(),
            "lakebeam-stream-progress",
            () -> print(plan, shards, start, o.getStallSeconds() * 1000L, err));
    return () -> {
      try {
        lines.close();
      } finally {
        shards.close();
      }
    };
  }

  private static void print(
      StreamPlan plan, OpenShards shards, long start, long stallMillis, PrintStream err) {
    long now = System.currentTimeMillis();
    SortedMap<String, Long> tally = Progress.tally(Accounting.NAMESPACE);
    StringBuilder line =
        new StringBuilder(String.format(Locale.ROOT, "stream: %,d s:", (now - start) / 1000));
    for (SourceDataset src : plan.sources) {
      long read = tally.getOrDefault(ToRawFn.READ + src.kinesis().name(), 0L);
      line.append(
          String.format(
              Locale.ROOT,
              " %s %,d read, %,d redeliveries dropped;",
              plan.names.get(src),
              read,
              read - tally.getOrDefault(UniqueFn.UNIQUE + src.kinesis().name(), 0L)));
    }
    err.println(line);
    try {
      shards.list(List.copyOf(plan.names.values()), now);
    } catch (RuntimeException e) {
      err.println(
          "stream: shards not listed ("
              + e.getClass().getSimpleName()
              + "); unread shards cannot be flagged this time");
    }
    for (String shardLine :
        ShardReads.report(ShardReads.snapshot(), shards.since(), now, stallMillis)) {
      err.println("  " + shardLine);
    }
  }
}
