package dev.lakebeam.pipelines.run;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * One line for a large batch run that executes in this JVM under the G1 collector: the throughput
 * collector ({@code -XX:+UseParallelGC}) took 4 to 18 % less time per stage (docs/BENCHMARKS.md),
 * and only the command line that starts the JVM can choose it.
 */
public final class CollectorHint {
  /** Inputs from this size on get the hint; on smaller ones the collector's share is small. */
  static final long LARGE_INPUT_BYTES = 256L << 20;

  private CollectorHint() {}

  /** The hint for this JVM and these options, if any. */
  public static Optional<String> of(String command, PipelineOptions o, long inputBytes) {
    return text(
        command,
        inThisJvm(o),
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .toList(),
        inputBytes);
  }

  static Optional<String> text(
      String command, boolean inThisJvm, List<String> collectors, long inputBytes) {
    if (!inThisJvm
        || inputBytes < LARGE_INPUT_BYTES
        || collectors.stream().noneMatch(n -> n.startsWith("G1 "))) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "%s: note: %s of input will be processed in this JVM, which runs the G1 collector; "
                + "started as java -XX:+UseParallelGC -jar ..., large backfills took 4-18 %% less "
                + "time per stage (docs/BENCHMARKS.md)",
            command,
            ProgressLines.bytes(inputBytes)));
  }

  /**
   * The pipeline runs in this JVM: DirectRunner, or Flink's embedded [local] cluster. [auto] counts
   * as a cluster: under {@code flink run} (the EMR steps) it is one, so a plain java -jar run with
   * [auto] gets no note.
   */
  static boolean inThisJvm(PipelineOptions o) {
    String runner = o.getRunner().getSimpleName();
    return runner.equals("DirectRunner")
        || (runner.equals("FlinkRunner")
            && "[local]".equals(o.as(FlinkPipelineOptions.class).getFlinkMaster()));
  }
}
