package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.KinesisHarness;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Recovery without the operator: a task failure in the running stream (profile local-streaming, its
 * own JVM) makes Flink restart the job by itself from its last checkpoint; then a restore from a
 * checkpoint taken longer than {@code --dedupeHorizon} after the last record was read (so the
 * redelivery check remembers none of them) re-reads nothing: clean equals the backfill of the same
 * events row for row, and no event delivered to raw before that checkpoint is delivered again.
 * Windows keep their state far longer than the test (a huge allowed lateness), so a record read
 * twice would show in clean as well as in raw.
 */
public class StreamRecoveryTest {
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final int ORDERS = 120;

  /** The read step fails once after this many records (half the orders). */
  private static final int FAIL_AFTER = 60;

  private static final int HORIZON_SECONDS = 20;

  private static String run(String... args) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    PrintStream p = new PrintStream(all, true, StandardCharsets.UTF_8);
    int code =
        new Main(p, p, new Profiles(List.of(StreamJobs.REPO.resolve("runner-profiles")))).run(args);
    String text = all.toString(StandardCharsets.UTF_8);
    assertEquals(text, 0, code);
    return text;
  }

  /** Every event line in the lake's raw kinesis files, with how many times each was delivered. */
  private static Map<String, Integer> rawDeliveries(Path lake) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    Path root = lake.resolve("raw").resolve("kinesis");
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f :
          s.filter(Files::isRegularFile)
              .filter(
                  f ->
                      f.getFileName().toString().endsWith(".gz")
                          && !f.getFileName().toString().startsWith("."))
              .toList()) {
        try (BufferedReader r =
            new BufferedReader(
                new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(f)), StandardCharsets.UTF_8))) {
          r.lines().forEach(l -> out.merge(l, 1, Integer::sum));
        }
      }
    }
    return out;
  }

  private static boolean cleanComplete(Path lake, int orders, int lines) throws Exception {
    return Lake.read(lake.resolve("clean").resolve("orders")).size() >= orders
        && Lake.read(lake.resolve("clean").resolve("order_lines")).size() >= lines;
  }

  @Test
  public void aFailedTaskRestartsFromItsCheckpointAndARestoreLongAfterTheLastReadRereadsNothing()
      throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, ORDERS, 17L, 60, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path batch = TMP.newFolder("batch").toPath();
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--progressSeconds=0",
        "--input=" + gen.resolve("files"),
        "--zones=raw,clean",
        "--lake=" + batch.toUri());
    int expectedOrders = Lake.read(batch.resolve("clean").resolve("orders")).size();
    int expectedLines = Lake.read(batch.resolve("clean").resolve("order_lines")).size();
    assertEquals(ORDERS, expectedOrders);
    Path lake = TMP.newFolder("stream").toPath();
    for (String d : List.of("departments", "aisles", "products", "customers")) {
      Lake.copy(batch.resolve("clean").resolve(d), lake.resolve("clean").resolve(d));
    }
    Path events = TMP.newFolder("events").toPath();
    List<String> orders = Lake.ordersInEventTimeOrder(gen, events);
    Path checkpoints = TMP.newFolder("checkpoints").toPath();
    Path logs = Files.createDirectories(Path.of("target", "stream-recovery")).toAbsolutePath();
    String[] common = {
      "--rawBufferSeconds=2",
      "--idleSeconds=5",
      "--progressSeconds=5",
      "--dedupeHorizon=" + HORIZON_SECONDS + "s",
      // Windows stay open for years: a record read twice is never dropped as late, so it would
      // reach clean twice.
      "--allowedLatenessSeconds=100000000"
    };

    // The stream first (so that the failure comes after checkpoints of a running job), then the
    // orders at 4/s into a stream of 2 shards.
    List<String> replay =
        new ArrayList<>(List.of("replay", "--input=" + events, "--streams=orders", "--shards=2"));
    replay.addAll(KINESIS.beamOptions());
    try (var kinesis = KINESIS.client()) { // the stream exists, empty, when the job starts
      kinesis.createStream(b -> b.streamName("lakebeam-orders").shardCount(2));
      for (int i = 0;
          i < 100
              && !"ACTIVE"
                  .equals(
                      kinesis
                          .describeStreamSummary(b -> b.streamName("lakebeam-orders"))
                          .streamDescriptionSummary()
                          .streamStatusAsString());
          i++) {
        Thread.sleep(100);
      }
    }
    Path log1 = logs.resolve("stream-1.log");
    List<String> first = new ArrayList<>(List.of(common));
    first.add("--failOnceAfterRecords=" + FAIL_AFTER);
    Process job =
        StreamJobs.start(
            lake, checkpoints, log1, KINESIS.beamOptions(), first.toArray(String[]::new));
    Process current = job;
    try {
      assertTrue(
          "no checkpoint before the replay; see " + log1,
          StreamJobs.await(() -> StreamJobs.newestId(checkpoints) > 0, job, 120));
      replay.add("--rate=4");
      CompletableFuture<String> replaying =
          CompletableFuture.supplyAsync(() -> run(replay.toArray(String[]::new)));

      // 1. Failover: the injected failure, Flink's own restart, and every order and line in clean.
      assertTrue(
          "the injected failure did not happen; see " + log1,
          StreamJobs.await(
              () ->
                  Files.readString(log1)
                      .contains("injected failure after " + FAIL_AFTER + " records"),
              job,
              120));
      assertTrue(
          "the replay did not finish",
          replaying.get(3, TimeUnit.MINUTES).contains(ORDERS + " records"));
      assertTrue(
          "clean is not complete after the failover; see " + log1,
          StreamJobs.await(() -> cleanComplete(lake, expectedOrders, expectedLines), job, 180));
      assertTrue("the job did not survive its failure; see " + log1, job.isAlive());
      assertClean(batch, lake, "after the failover");
      Map<String, Integer> raw = rawDeliveries(lake);
      assertEquals("raw after the failover: every event", new HashSet<>(orders), raw.keySet());
      int again = raw.values().stream().mapToInt(n -> n - 1).sum();
      // Restarted from its last checkpoint, the job re-reads only what came after it (raw is at
      // least once); restarted from nothing it would deliver all FAIL_AFTER records read before
      // again.
      assertTrue(
          "raw: "
              + again
              + " events delivered twice by the failover; a restart from its checkpoint re-reads fewer than "
              + FAIL_AFTER,
          again < FAIL_AFTER);

      // 2. A checkpoint completed more than the horizon after the last record was read: the
      // redelivery check has forgotten every event id by then.
      long lastRead = System.currentTimeMillis();
      assertTrue(
          "no checkpoint " + (HORIZON_SECONDS + 5) + " s after the last read; see " + log1,
          StreamJobs.await(
              () ->
                  Files.getLastModifiedTime(StreamJobs.newest(checkpoints).resolve("_metadata"))
                          .toMillis()
                      > lastRead + (HORIZON_SECONDS + 5) * 1000L,
              job,
              120));
      job.destroyForcibly();
      assertTrue(job.waitFor(30, TimeUnit.SECONDS));
      Path restoreFrom = StreamJobs.newest(checkpoints);
      Map<String, Integer> before = rawDeliveries(lake);

      Path log2 = logs.resolve("stream-2.log");
      List<String> second = new ArrayList<>(List.of(common));
      second.add("--savepointPath=" + restoreFrom);
      current =
          StreamJobs.start(
              lake, checkpoints, log2, KINESIS.beamOptions(), second.toArray(String[]::new));
      Process restored = current;
      // Three checkpoints of its own (15 s): a re-read stream would be in raw (2 s buffers) and in
      // clean by then.
      assertTrue(
          "the restored run took no three checkpoints; see " + log2,
          StreamJobs.await(
              () -> StreamJobs.newestId(checkpoints) >= StreamJobs.checkpointId(restoreFrom) + 3,
              restored,
              180));
      assertTrue("the restored run died; see " + log2, restored.isAlive());
      restored.destroyForcibly();
      assertTrue(restored.waitFor(30, TimeUnit.SECONDS));

      assertClean(batch, lake, "after a restore " + HORIZON_SECONDS + "+ s after the last read");
      Map<String, Integer> after = rawDeliveries(lake);
      List<String> redelivered = new ArrayList<>();
      after.forEach(
          (line, n) -> {
            if (n > before.getOrDefault(line, 0)) {
              redelivered.add(line);
            }
          });
      assertEquals(
          "events delivered to raw again after the restore from " + restoreFrom + "; see " + log2,
          List.of(),
          redelivered);
      String progress = Files.readString(log2);
      assertTrue(
          "the restored run printed no progress line; see " + log2, progress.contains("stream: "));
    } finally {
      current.destroyForcibly();
      current.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void assertClean(Path batch, Path lake, String when) throws Exception {
    for (String d : List.of("orders", "order_lines")) {
      assertEquals(
          d + " in clean " + when,
          Lake.rows(batch.resolve("clean").resolve(d), Lake.RUN_COLUMNS),
          Lake.rows(lake.resolve("clean").resolve(d), Lake.RUN_COLUMNS));
    }
  }
}
