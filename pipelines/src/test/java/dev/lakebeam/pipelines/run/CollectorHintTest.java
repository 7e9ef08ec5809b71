package dev.lakebeam.pipelines.run;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

public class CollectorHintTest {
  private static final List<String> G1 = List.of("G1 Young Generation", "G1 Old Generation");
  private static final List<String> PARALLEL = List.of("PS Scavenge", "PS MarkSweep");
  private static final long LARGE = 2_254_857_830L;

  @Test
  public void aLargeRunInThisJvmUnderG1GetsTheHint() {
    Optional<String> hint = CollectorHint.text("backfill", true, G1, LARGE);
    assertTrue(hint.isPresent());
    assertThat(hint.get(), containsString("backfill: note: 2.1 GiB of input"));
    assertThat(hint.get(), containsString("java -XX:+UseParallelGC -jar"));
  }

  @Test
  public void noHintUnderTheThroughputCollectorForSmallInputsOrForAClusterJob() {
    assertEquals(Optional.empty(), CollectorHint.text("backfill", true, PARALLEL, LARGE));
    assertEquals(
        Optional.empty(),
        CollectorHint.text("backfill", true, G1, CollectorHint.LARGE_INPUT_BYTES - 1));
    assertEquals(Optional.empty(), CollectorHint.text("backfill", false, G1, LARGE));
    assertTrue(
        "from the threshold on",
        CollectorHint.text("backfill", true, G1, CollectorHint.LARGE_INPUT_BYTES).isPresent());
  }

  @Test
  public void onlyTheDirectRunnerAndTheEmbeddedFlinkClusterRunInThisJvm() {
    FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    flink.setRunner(FlinkRunner.class);
    flink.setFlinkMaster("[local]");
    assertTrue(CollectorHint.inThisJvm(flink));
    flink.setFlinkMaster("[auto]");
    assertFalse(CollectorHint.inThisJvm(flink));
    flink.setFlinkMaster("jobmanager:8081");
    assertFalse(CollectorHint.inThisJvm(flink));
    flink.setRunner(DirectRunner.class);
    assertTrue(CollectorHint.inThisJvm(flink));
  }
}
