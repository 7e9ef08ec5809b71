package dev.lakebeam.pipelines.options;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.Test;

public class ProfilesTest {
  private static final Path DIR = Path.of("..", "runner-profiles");

  @Test
  public void builtInListMatchesTheFolder() throws Exception {
    try (Stream<Path> s = Files.list(DIR)) {
      TreeSet<String> files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".properties"))
              .map(n -> n.replace(".properties", ""))
              .collect(Collectors.toCollection(TreeSet::new));
      assertEquals(new TreeSet<>(Profiles.BUILT_IN), files);
    }
  }

  @Test
  public void everyProfileBuildsValidOptionsForEveryPipelineCommand() {
    Profiles fromDir = new Profiles(List.of(DIR));
    Profiles fromJar = new Profiles(List.of());
    for (String name : Profiles.BUILT_IN) {
      assertEquals(name, fromDir.load(name).options(), fromJar.load(name).options());
      for (Command c : List.of(Command.BACKFILL, Command.STREAM)) {
        OptionParser.Parsed p = new OptionParser(fromDir).parse(c, List.of("--profile=" + name));
        assertTrue(
            name,
            p.options().getRunner() == FlinkRunner.class
                || p.options().getRunner() == DirectRunner.class);
        // Every value the profile sets comes through typed.
        p.options().as(FlinkPipelineOptions.class);
        p.options().as(BackfillOptions.class).getLake();
        p.options().as(StreamOptions.class).getStreams();
      }
    }
  }

  @Test
  public void profilesSetWhatTheirRunnerNeeds() {
    Profiles profiles = new Profiles(List.of(DIR));
    FlinkPipelineOptions local = parse(profiles, "local").as(FlinkPipelineOptions.class);
    assertEquals(FlinkRunner.class, local.getRunner());
    assertEquals("[local]", local.getFlinkMaster());
    // parallelism=-1 in the profile means one subtask per core (Beam's local default would be 1).
    assertEquals(
        Integer.valueOf(Runtime.getRuntime().availableProcessors()), local.getParallelism());
    assertEquals(DirectRunner.class, parse(profiles, "direct").getRunner());
    FlinkPipelineOptions localStream =
        parse(profiles, "local-streaming").as(FlinkPipelineOptions.class);
    assertEquals("[local]", localStream.getFlinkMaster());
    assertTrue(localStream.getCheckpointingInterval() > 0);
    assertTrue(localStream.getRetainExternalizedCheckpointsOnCancellation());
    FlinkPipelineOptions emrStream =
        parse(profiles, "emr-streaming").as(FlinkPipelineOptions.class);
    assertEquals("[auto]", emrStream.getFlinkMaster());
    assertTrue(emrStream.getCheckpointingInterval() > 0);
    assertEquals("rocksdb", emrStream.getStateBackend());
    assertThat(emrStream.as(BackfillOptions.class).getLake(), containsString("s3://"));
    assertThat(
        parse(profiles, "emr-backfill").as(BackfillOptions.class).getLake(),
        containsString("s3://"));
  }

  @Test
  public void commandLineOverridesTheProfile() {
    OptionParser.Parsed p =
        new OptionParser(new Profiles(List.of(DIR)))
            .parse(
                Command.BACKFILL,
                List.of("--profile=local", "--parallelism=3", "--lake=file:///x"));
    assertEquals(Integer.valueOf(3), p.options().as(FlinkPipelineOptions.class).getParallelism());
    assertEquals("file:///x", p.options().as(BackfillOptions.class).getLake());
  }

  @Test
  public void unknownProfileListsTheValidOnes() {
    try {
      new Profiles(List.of(DIR)).load("nope");
      fail();
    } catch (IllegalArgumentException e) {
      assertThat(
          e.getMessage(),
          containsString(
              "valid profiles: direct, local, local-streaming, flink-cluster, emr-backfill, emr-streaming"));
    }
  }

  private static PipelineOptions parse(Profiles profiles, String name) {
    return new OptionParser(profiles).parse(Command.STREAM, List.of("--profile=" + name)).options();
  }
}
