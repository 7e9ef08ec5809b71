package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The stream command in JVMs of their own (killable like a crashed worker), and the checkpoints
 * they leave.
 */
final class StreamJobs {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  private StreamJobs() {}

  /**
   * Starts {@code stream --profile=local-streaming --streams=orders} on the lake, reading from
   * TRIM_HORIZON through the given AWS options, checkpoints under {@code checkpoints}, output to
   * {@code log}.
   */
  static Process start(
      Path lake, Path checkpoints, Path log, List<String> awsOptions, String... more)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "stream",
                "--profile=local-streaming",
                "--streams=orders",
                "--parallelism=2",
                "--lake=" + lake.toUri(),
                "--initialPosition=TRIM_HORIZON",
                "--stateBackendStoragePath=" + checkpoints.toUri()));
    cmd.addAll(awsOptions);
    cmd.addAll(List.of(more));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(REPO.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("LAKEBEAM_PROFILES_DIR", REPO.resolve("runner-profiles").toString());
    return pb.start();
  }

  /** Completed checkpoints (a chk-N folder with its _metadata) under the folder, oldest first. */
  static List<Path> completedCheckpoints(Path checkpoints) throws Exception {
    if (!Files.isDirectory(checkpoints)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(checkpoints, 2)) {
      return s.filter(
              p ->
                  p.getFileName().toString().startsWith("chk-")
                      && Files.isRegularFile(p.resolve("_metadata")))
          .sorted(Comparator.comparingLong(StreamJobs::checkpointId))
          .toList();
    }
  }

  /** The newest completed checkpoint of any run. */
  static Path newest(Path checkpoints) throws Exception {
    List<Path> done = completedCheckpoints(checkpoints);
    if (done.isEmpty()) {
      throw new AssertionError("no completed checkpoint under " + checkpoints);
    }
    return done.get(done.size() - 1);
  }

  /** The id of the newest completed checkpoint of any run, 0 when none. */
  static long newestId(Path checkpoints) throws Exception {
    List<Path> done = completedCheckpoints(checkpoints);
    return done.isEmpty() ? 0 : checkpointId(done.get(done.size() - 1));
  }

  static long checkpointId(Path chk) {
    return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
  }

  /** A condition to wait for. */
  interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Polls until the condition holds, the job dies, or the deadline passes; returns whether it
   * holds.
   */
  static boolean await(Check condition, Process job, int seconds) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds() && job.isAlive() && System.nanoTime() < until) {
      Thread.sleep(250);
    }
    return condition.holds();
  }
}
