package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.cli.Profiles;
import dev.lakebeam.pipelines.generate.Generator;
import dev.lakebeam.pipelines.testing.KinesisHarness;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.schemas.OrderTimestamps;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Restart: the stream (profile local-streaming: checkpoints kept on crash) is killed with SIGKILL
 * while events are still being put into Kinesis, then started again from its newest completed
 * checkpoint with {@code --savepointPath}. Afterwards the clean zone holds every order and order
 * line exactly once, the same rows as a backfill of the same events, and the raw zone holds every
 * event (at least once: raw delivery after a restore may repeat what the killed job had written).
 */
public class StreamRestartTest {
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  private static String run(String... args) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    PrintStream p = new PrintStream(all, true, StandardCharsets.UTF_8);
    int code = new Main(p, p, new Profiles(List.of(REPO.resolve("runner-profiles")))).run(args);
    String text = all.toString(StandardCharsets.UTF_8);
    assertEquals(text, 0, code);
    return text;
  }

  /** The stream command in a JVM of its own, so that it can be killed like a crashed worker. */
  private static Process stream(Path lake, Path checkpoints, Path log, String... more) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "stream", "--profile=local-streaming",
        "--streams=orders", "--parallelism=2", "--lake=" + lake.toUri(), "--initialPosition=TRIM_HORIZON",
        "--rawBufferSeconds=5", "--stateBackendStoragePath=" + checkpoints.toUri(),
        // Historical events into a running stream (README, stream, known limits): a reader that
        // stalls for --idleSeconds on a loaded machine would move its shard's watermark to the
        // clock and make the rest of the backlog late; 30 s keeps the test about restarts.
        "--idleSeconds=30"));
    cmd.addAll(KINESIS.beamOptions());
    cmd.addAll(List.of(more));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("LAKEBEAM_PROFILES_DIR", REPO.resolve("runner-profiles").toString());
    return pb.start();
  }

  /** Completed checkpoints (a chk-N folder with its _metadata) under the folder, oldest first. */
  private static List<Path> completedCheckpoints(Path checkpoints) throws Exception {
    if (!Files.isDirectory(checkpoints)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(checkpoints, 2)) {
      return s.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.isRegularFile(p.resolve("_metadata")))
          .sorted(Comparator.comparingLong(StreamRestartTest::checkpointId)).toList();
    }
  }

  private static long checkpointId(Path chk) {
    return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
  }


  @Test
  public void aStreamKilledMidWayAndRestoredFromItsCheckpointLosesNothingAndDuplicatesNothing() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(new Generator.Config(gen, 300, 13L, 200, OrderTimestamps.DEFAULT_AS_OF), new PrintStream(new ByteArrayOutputStream())).run();
    Path batch = TMP.newFolder("batch").toPath();
    run("backfill", "--profile=local", "--parallelism=2", "--progressSeconds=0", "--input=" + gen.resolve("files"),
        "--zones=raw,clean", "--lake=" + batch.toUri());
    Path lake = TMP.newFolder("stream").toPath();
    for (String d : List.of("departments", "aisles", "products", "customers")) {
      Lake.copy(batch.resolve("clean").resolve(d), lake.resolve("clean").resolve(d));
    }
    // The orders in event-time order at a steady 8/s (about 38 s): every shard keeps receiving,
    // so no shard's watermark jumps to the clock while historical events are still arriving.
    Path events = TMP.newFolder("events").toPath();
    List<String> orders = Lake.ordersInEventTimeOrder(gen, events);

    Path checkpoints = TMP.newFolder("checkpoints").toPath();
    // The two runs' logs outlive the test (under target/), for a failure's diagnosis.
    Path log1 = Files.createDirectories(Path.of("target", "stream-restart")).toAbsolutePath().resolve("stream-1.log");
    Path log2 = log1.resolveSibling("stream-2.log");
    List<String> replay = new ArrayList<>(List.of("replay", "--input=" + events, "--streams=orders", "--shards=3", "--rate=8"));
    replay.addAll(KINESIS.beamOptions());
    CompletableFuture<String> replaying = CompletableFuture.supplyAsync(() -> run(replay.toArray(String[]::new)));
    Thread.sleep(2000);
    Process first = stream(lake, checkpoints, log1);
    Process second = null;
    try {
      // Kill it once it has completed a checkpoint and written clean files, while the replay still runs.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while ((completedCheckpoints(checkpoints).isEmpty() || Lake.parquetFiles(lake.resolve("clean").resolve("orders")).isEmpty())
          && first.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      assertTrue("the first run died on its own; see " + log1 + ":\n" + Files.readString(log1), first.isAlive());
      assertFalse("no checkpoint and clean file within 120 s; see " + log1, completedCheckpoints(checkpoints).isEmpty());
      Thread.sleep(3000);
      assertFalse("the replay ended before the kill: the test would not stop the stream mid-way", replaying.isDone());
      first.destroyForcibly(); // SIGKILL: no final checkpoint, no flush
      assertTrue(first.waitFor(30, TimeUnit.SECONDS));
      int beforeKill = Lake.read(lake.resolve("clean").resolve("orders")).size();
      List<Path> done = completedCheckpoints(checkpoints);
      Path restoreFrom = done.get(done.size() - 1);

      System.out.printf("StreamRestartTest: killed the first run with %d of 300 orders in clean; restoring from %s%n",
          beforeKill, restoreFrom);
      second = stream(lake, checkpoints, log2, "--savepointPath=" + restoreFrom);
      String replayed = replaying.get(5, TimeUnit.MINUTES);
      assertTrue(replayed, replayed.contains("300 records"));

      // The second run catches up; then give it time to write anything twice.
      int expected = Lake.read(batch.resolve("clean").resolve("orders")).size();
      assertEquals(300, expected);
      // Orders alone are no sign: the killed run may have written a window's orders but not yet its
      // lines, which the restored run writes when that window fires again.
      int expectedLines = Lake.read(batch.resolve("clean").resolve("order_lines")).size();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while ((Lake.read(lake.resolve("clean").resolve("orders")).size() < expected
              || Lake.read(lake.resolve("clean").resolve("order_lines")).size() < expectedLines)
          && second.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(1000);
      }
      Thread.sleep(15_000);
      assertTrue("the restored run died; see " + log2 + ":\n" + Files.readString(log2), second.isAlive());

      // It resumed from the checkpoint: Flink numbers its checkpoints on from the restored one.
      long restoredId = checkpointId(restoreFrom);
      Path job1 = restoreFrom.getParent();
      List<Path> later = completedCheckpoints(checkpoints).stream().filter(c -> !c.getParent().equals(job1)).toList();
      assertFalse("the restored run completed no checkpoint", later.isEmpty());
      assertTrue(later + " after " + restoreFrom, checkpointId(later.get(0)) > restoredId);
      // Stop it before reading the zones back, so no file is renamed under the reader's feet; what a
      // killed writer leaves behind (temporary names starting with ".") is invisible to readers.
      second.destroyForcibly();
      assertTrue(second.waitFor(30, TimeUnit.SECONDS));

      for (String d : List.of("orders", "order_lines")) {
        List<String> want = Lake.rows(batch.resolve("clean").resolve(d), Lake.RUN_COLUMNS);
        List<String> got = Lake.rows(lake.resolve("clean").resolve(d), Lake.RUN_COLUMNS);
        if (!want.equals(got)) {
          List<String> missing = new ArrayList<>(want);
          got.forEach(missing::remove);
          List<String> extra = new ArrayList<>(got);
          want.forEach(extra::remove);
          fail(String.format("%s: %d rows expected, %d in clean; %d missing (first: %s), %d extra (first: %s); %d orders were in"
              + " clean at the kill; %d rejects in the stream's lake; logs %s, %s", d, want.size(), got.size(), missing.size(),
              missing.stream().limit(3).toList(), extra.size(), extra.stream().limit(3).toList(), beforeKill,
              Lake.read(lake.resolve("clean").resolve("_rejected")).size(), log1, log2));
        }
      }
      Set<String> raw = new HashSet<>();
      try (Stream<Path> s = Files.walk(lake.resolve("raw").resolve("kinesis"))) {
        for (Path f : s.filter(Files::isRegularFile)
            .filter(f -> f.getFileName().toString().endsWith(".gz") && !f.getFileName().toString().startsWith(".")).toList()) {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(f)), StandardCharsets.UTF_8))) {
            r.lines().forEach(raw::add);
          }
        }
      }
      assertEquals("raw: every event at least once", new HashSet<>(orders), raw);
    } finally {
      first.destroyForcibly();
      if (second != null) {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
