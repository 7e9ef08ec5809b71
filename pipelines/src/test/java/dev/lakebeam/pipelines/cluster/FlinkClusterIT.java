package dev.lakebeam.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakebeam.pipelines.testing.FlinkClusterHarness;
import dev.lakebeam.pipelines.testing.KinesisHarness;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The shaded jar on a real Flink 1.19 session cluster (a JobManager and a TaskManager with two
 * slots, separate processes on 127.0.0.1, Flink's Maven artifacts only): the backfill submitted
 * with the flink-cluster profile, the jar staged with --filesToStage, writes the same zones as a
 * run on the local profile; the stream, submitted with checkpointing on, is stopped with a
 * savepoint through the cluster's REST API and resubmitted from it while events keep arriving, and
 * clean then holds every order and line exactly once. An integration test (failsafe): it needs the
 * packaged jar.
 */
public class FlinkClusterIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = Path.of("target", "lakebeam.jar").toAbsolutePath();
  private static final String KEY = "cluster-test-hmac-key-5e1f0a7c";
  private static FlinkClusterHarness cluster;

  @BeforeClass
  public static void startCluster() throws Exception {
    assertTrue("the packaged jar is missing: " + JAR, Files.isRegularFile(JAR));
    cluster =
        FlinkClusterHarness.start(
            REPO,
            Path.of("target", "flink-cluster").toAbsolutePath(),
            Map.of("LAKEBEAM_HMAC_KEY", KEY));
  }

  @AfterClass
  public static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Runs the jar's CLI in a JVM of its own (as a user would); returns its output; fails on a
   * non-zero exit.
   */
  private static String lakebeam(Path log, String... args) throws Exception {
    Process p = start(log, args);
    assertTrue("timed out: " + log, p.waitFor(15, TimeUnit.MINUTES));
    String out = Files.readString(log);
    assertEquals(out, 0, p.exitValue());
    return out;
  }

  private static Process start(Path log, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(REPO.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("LAKEBEAM_HMAC_KEY", KEY);
    return pb.start();
  }

  /** Every dataset of a zone: its rows as sorted strings, without the run-specific _ingested_at. */
  private static TreeMap<String, List<String>> zone(Path lake, String zone) throws Exception {
    TreeMap<String, List<String>> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(lake.resolve(zone))) {
      for (Path d : s.filter(Files::isDirectory).toList()) {
        List<String> rows = Lake.rows(d, Set.of("_ingested_at"));
        out.put(d.getFileName().toString(), rows);
      }
    }
    return out;
  }

  @Test
  public void theBackfillOnTheClusterWritesTheZonesOfALocalRun() throws Exception {
    Path onCluster = TMP.newFolder("cluster").toPath();
    Path local = TMP.newFolder("local").toPath();
    Set<String> before = new HashSet<>();
    cluster.get("/jobs/overview").get("jobs").forEach(j -> before.add(j.get("jid").asText()));
    String out =
        lakebeam(
            cluster.work().resolve("backfill-client.log"),
            "backfill",
            "--profile=flink-cluster",
            "--flinkMaster=" + cluster.master(),
            "--filesToStage=" + JAR,
            "--input=sample-data/files",
            "--lake=" + onCluster.toUri());
    assertThat(out, containsString("succeeded"));
    lakebeam(
        TMP.getRoot().toPath().resolve("local.log"),
        "backfill",
        "--profile=local",
        "--input=sample-data/files",
        "--lake=" + local.toUri());

    // The run's pipelines were jobs of the cluster, and they finished there.
    JsonNode jobs = cluster.get("/jobs/overview").get("jobs");
    long finished = 0;
    for (JsonNode j : jobs) {
      if (!before.contains(j.get("jid").asText())) {
        assertEquals(j.toString(), "FINISHED", j.get("state").asText());
        assertThat(j.get("name").asText(), containsString("lakebeam"));
        finished++;
      }
    }
    assertTrue("the clean and curated pipelines: " + jobs, finished >= 2);

    for (String z : List.of("clean", "curated", "consumption")) {
      TreeMap<String, List<String>> want = zone(local, z);
      TreeMap<String, List<String>> got = zone(onCluster, z);
      assertEquals(z + " datasets", want.keySet(), got.keySet());
      for (String d : want.keySet()) {
        assertTrue(z + "/" + d + " is empty", !want.get(d).isEmpty() || d.startsWith("_"));
        assertEquals(z + "/" + d, want.get(d), got.get(d));
      }
    }
  }

  private static String runningJob() throws Exception {
    for (JsonNode j : cluster.get("/jobs/overview").get("jobs")) {
      if (j.get("state").asText().equals("RUNNING")) {
        return j.get("jid").asText();
      }
    }
    return null;
  }

  @Test
  public void theStreamStopsWithASavepointAndResumesFromItLosingNothingAndDuplicatingNothing()
      throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 300, 17L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path batch = TMP.newFolder("batch").toPath();
    lakebeam(
        TMP.getRoot().toPath().resolve("batch.log"),
        "backfill",
        "--profile=local",
        "--input=" + gen.resolve("files"),
        "--zones=raw,clean",
        "--lake=" + batch.toUri());
    Path lake = TMP.newFolder("stream").toPath();
    for (String d : List.of("departments", "aisles", "products", "customers")) {
      Lake.copy(batch.resolve("clean").resolve(d), lake.resolve("clean").resolve(d));
    }
    Path events = TMP.newFolder("events").toPath();
    Lake.ordersInEventTimeOrder(gen, events);

    Path work = cluster.work();
    // The stream exists first; the events are put only once the job runs on the cluster (staging
    // the jar takes a while), at 4/s (75 s), so that they are still arriving across the stop.
    try (var kinesis = KINESIS.client()) {
      kinesis.createStream(b -> b.streamName("lakebeam-orders").shardCount(2));
      kinesis.waiter().waitUntilStreamExists(b -> b.streamName("lakebeam-orders"));
    }
    List<String> stream =
        new ArrayList<>(
            List.of(
                "stream",
                "--profile=flink-cluster",
                "--flinkMaster=" + cluster.master(),
                "--filesToStage=" + JAR,
                "--streams=orders",
                "--lake=" + lake.toUri(),
                "--initialPosition=TRIM_HORIZON",
                "--rawBufferSeconds=5",
                "--idleSeconds=30",
                "--checkpointingInterval=5000",
                "--checkpointingMode=EXACTLY_ONCE",
                "--stateBackend=filesystem",
                "--stateBackendStoragePath=" + TMP.newFolder("checkpoints").toURI()));
    stream.addAll(KINESIS.beamOptions());
    Process first = start(work.resolve("stream-1.log"), stream.toArray(String[]::new));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    while (runningJob() == null && first.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertTrue(
        "the stream did not start on the cluster; see " + work.resolve("stream-1.log"),
        runningJob() != null);
    List<String> replay =
        new ArrayList<>(List.of("replay", "--input=" + events, "--streams=orders", "--rate=4"));
    replay.addAll(KINESIS.beamOptions());
    CompletableFuture<String> replaying =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return lakebeam(work.resolve("replay.log"), replay.toArray(String[]::new));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Process second = null;
    String job = null;
    try {
      // Once the job has completed a checkpoint and written clean files:
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (System.nanoTime() < deadline && first.isAlive()) {
        job = runningJob();
        if (job != null
            && cluster.get("/jobs/" + job + "/checkpoints").at("/counts/completed").asInt() > 0
            && !Lake.parquetFiles(lake.resolve("clean").resolve("orders")).isEmpty()) {
          break;
        }
        Thread.sleep(1000);
      }
      assertTrue("the stream client ended; see " + work.resolve("stream-1.log"), first.isAlive());
      assertTrue(
          "no running job with a checkpoint and clean files within 150 s",
          job != null && !Lake.parquetFiles(lake.resolve("clean").resolve("orders")).isEmpty());
      assertFalse(
          "the replay ended before the stop: the test would not stop the stream mid-way",
          replaying.isDone());

      // Stop with a savepoint (the REST call behind `flink stop --savepointPath`).
      Path savepoints = TMP.newFolder("savepoints").toPath();
      String request =
          cluster
              .post(
                  "/jobs/" + job + "/stop",
                  "{\"targetDirectory\":\"" + savepoints.toUri() + "\",\"drain\":false}")
              .get("request-id")
              .asText();
      String location = null;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (location == null && System.nanoTime() < deadline) {
        JsonNode st = cluster.get("/jobs/" + job + "/savepoints/" + request);
        if (st.at("/status/id").asText().equals("COMPLETED")) {
          if (st.at("/operation/failure-cause").isMissingNode()
              || st.at("/operation/failure-cause").isNull()) {
            location = st.at("/operation/location").asText();
          } else {
            fail("the savepoint failed: " + st);
          }
        }
        Thread.sleep(500);
      }
      assertTrue("no savepoint within 120 s", location != null);
      assertTrue(first.waitFor(60, TimeUnit.SECONDS));
      int atStop = Lake.read(lake.resolve("clean").resolve("orders")).size();
      assertFalse(
          "the replay ended while the job was stopped: events must keep arriving",
          replaying.isDone());
      System.out.printf(
          "FlinkClusterIT: stopped job %s with %d of 300 orders in clean; savepoint %s%n",
          job, atStop, location);

      List<String> resume = new ArrayList<>(stream);
      resume.add("--savepointPath=" + location);
      second = start(work.resolve("stream-2.log"), resume.toArray(String[]::new));
      String replayed = replaying.get(5, TimeUnit.MINUTES);
      assertThat(replayed, containsString("300 records"));

      List<String> wantOrders =
          Lake.rows(batch.resolve("clean").resolve("orders"), Lake.RUN_COLUMNS);
      List<String> wantLines =
          Lake.rows(batch.resolve("clean").resolve("order_lines"), Lake.RUN_COLUMNS);
      assertEquals(300, wantOrders.size());
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      while ((Lake.rows(lake.resolve("clean").resolve("orders"), Lake.RUN_COLUMNS).size()
                  < wantOrders.size()
              || Lake.rows(lake.resolve("clean").resolve("order_lines"), Lake.RUN_COLUMNS).size()
                  < wantLines.size())
          && second.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(2000);
      }
      Thread.sleep(15_000); // time to write anything twice
      assertTrue("the resumed client ended; see " + work.resolve("stream-2.log"), second.isAlive());
      String resumed = runningJob();
      assertTrue(
          "the resumed job is not running on the cluster", resumed != null && !resumed.equals(job));
      assertThat(
          cluster
              .get("/jobs/" + resumed + "/checkpoints")
              .at("/latest/restored/external_path")
              .asText(),
          containsString("savepoint"));
      cluster.cancel(resumed);
      assertTrue(second.waitFor(90, TimeUnit.SECONDS));
      assertEquals(
          "orders (" + atStop + " were in clean at the stop)",
          wantOrders,
          Lake.rows(lake.resolve("clean").resolve("orders"), Lake.RUN_COLUMNS));
      assertEquals(
          "order_lines",
          wantLines,
          Lake.rows(lake.resolve("clean").resolve("order_lines"), Lake.RUN_COLUMNS));
    } finally {
      first.destroyForcibly();
      if (second != null) {
        second.destroyForcibly();
      }
      String running = runningJob();
      if (running != null) {
        cluster.cancel(running);
      }
    }
  }
}
