package dev.lakebeam.pipelines.stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.avro.generic.GenericRecord;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The stream end to end on FlinkRunner [local] against a real Kinesis API (kinesis-local): a
 * generated set is backfilled from its files into lake A, and its events are replayed into Kinesis
 * (the clickstream resharded from 3 to 6 shards half-way) and streamed into lake B. Batch ≡ stream:
 * the same clean rows, the same daily_department_sales; the raw zone holds every event; the minute
 * and session tables add up.
 */
public class StreamTest {
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static String run(String... args) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    PrintStream p = new PrintStream(all, true, StandardCharsets.UTF_8);
    List<String> a = new ArrayList<>(List.of(args));
    if (a.get(0).equals("replay") || a.get(0).equals("stream")) {
      a.addAll(KINESIS.beamOptions());
    }
    int code =
        new Main(p, p, new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(a.toArray(String[]::new));
    String text = all.toString(StandardCharsets.UTF_8);
    assertEquals(text, 0, code);
    return text;
  }

  private static String eventTime(String json, String field) {
    try {
      return new ObjectMapper().readTree(json).get(field).asText();
    } catch (Exception e) {
      throw new IllegalStateException(json, e);
    }
  }

  @Test
  public void theSameEventsThroughBackfillAndThroughTheStreamGiveTheSameLake() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 300, 13L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path batch = TMP.newFolder("batch").toPath();
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--progressSeconds=0",
        "--input=" + gen.resolve("files"),
        "--zones=raw,clean,curated,consumption",
        "--lake=" + batch.toUri());
    Path stream = TMP.newFolder("stream").toPath();
    for (String d :
        List.of("departments", "aisles", "products", "customers")) { // the stream's reference data
      Lake.copy(batch.resolve("clean").resolve(d), stream.resolve("clean").resolve(d));
    }
    // Three shards read with parallelism 2 (apache/beam#31085: watermarks must advance when the
    // shards a reader holds run dry; feedback's 10 events leave most of its shards idle).
    // The earlier half of each stream's events goes in first; then the clickstream is resharded
    // from 3 to 6 shards (UpdateShardCount: the parents close, the children take new records) and
    // the later half follows, so the stream must read closed parents and then their children.
    Path[] halves = {TMP.newFolder("early").toPath(), TMP.newFolder("late").toPath()};
    for (String[] f :
        new String[][] {
          {"orders.jsonl", "order_ts"},
          {"clickstream.jsonl", "ts"},
          {"feedback.jsonl", "submitted_at"}
        }) {
      List<String> lines =
          new ArrayList<>(Files.readAllLines(gen.resolve("kinesis").resolve(f[0])));
      lines.removeIf(String::isBlank);
      lines.sort(Comparator.comparing((String l) -> eventTime(l, f[1])));
      for (int h = 0; h < 2; h++) {
        Files.createDirectories(halves[h].resolve("kinesis"));
        Files.write(
            halves[h].resolve("kinesis").resolve(f[0]),
            h == 0
                ? lines.subList(0, lines.size() / 2)
                : lines.subList(lines.size() / 2, lines.size()));
      }
    }
    run("replay", "--input=" + halves[0], "--speedup=1e9", "--shards=3");
    try (var kinesis = KINESIS.client()) {
      kinesis.updateShardCount(
          b ->
              b.streamName("lakebeam-clickstream")
                  .targetShardCount(6)
                  .scalingType(ScalingType.UNIFORM_SCALING));
      for (int i = 0;
          i < 100
              && kinesis
                      .describeStreamSummary(b -> b.streamName("lakebeam-clickstream"))
                      .streamDescriptionSummary()
                      .streamStatus()
                  != StreamStatus.ACTIVE;
          i++) {
        Thread.sleep(100);
      }
      long open =
          kinesis.listShards(b -> b.streamName("lakebeam-clickstream")).shards().stream()
              .filter(sh -> sh.sequenceNumberRange().endingSequenceNumber() == null)
              .count();
      assertEquals("open clickstream shards after resharding", 6, open);
    }
    run("replay", "--input=" + halves[1], "--speedup=1e9", "--shards=3");
    // Orders are read through enhanced fan-out (SubscribeToShard on a registered consumer), the
    // other streams by polling (GetRecords).
    String consumerArn;
    try (var kinesis = KINESIS.client()) {
      String streamArn =
          kinesis
              .describeStreamSummary(b -> b.streamName("lakebeam-orders"))
              .streamDescriptionSummary()
              .streamARN();
      consumerArn =
          kinesis
              .registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("lakebeam-test"))
              .consumer()
              .consumerARN();
      for (int i = 0;
          i < 100
              && kinesis
                      .describeStreamConsumer(b -> b.consumerARN(consumerArn))
                      .consumerDescription()
                      .consumerStatus()
                  != ConsumerStatus.ACTIVE;
          i++) {
        Thread.sleep(100);
      }
    }
    String summary =
        run(
            "stream",
            "--profile=local",
            "--parallelism=2",
            "--lake=" + stream.toUri(),
            "--initialPosition=TRIM_HORIZON",
            "--maxReadTime=30s",
            "--rawBufferSeconds=5",
            "--ordersConsumerArn=" + consumerArn);
    assertThat(
        summary, containsString("lakebeam-orders: 300 records read, 0 redeliveries dropped"));
    assertThat(summary, containsString("stream: finished"));

    // Raw: every event, once, gzip JSON lines under raw/kinesis/{stream}/ingest_date=.
    List<String> delivered = new ArrayList<>();
    try (Stream<Path> s = Files.walk(stream.resolve("raw").resolve("kinesis"))) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        assertTrue(f.toString(), f.getParent().getFileName().toString().startsWith("ingest_date="));
        try (BufferedReader r =
            new BufferedReader(
                new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(f)), StandardCharsets.UTF_8))) {
          r.lines().forEach(delivered::add);
        }
      }
    }
    List<String> events = new ArrayList<>();
    for (String f : List.of("orders.jsonl", "clickstream.jsonl", "feedback.jsonl")) {
      Files.readAllLines(gen.resolve("kinesis").resolve(f)).stream()
          .filter(l -> !l.isBlank())
          .forEach(events::add);
    }
    // Raw delivery is at-least-once (as Firehose is): after the resharding, records of the closed
    // clickstream parents are read again (see the summary); the clean stage drops them by event id.
    System.out.println("StreamTest: " + summary.replace('\n', ' '));
    assertEquals("raw: every event at least once", new TreeSet<>(events), new TreeSet<>(delivered));
    List<String> others =
        delivered.stream().filter(l -> !l.contains("\"event_id\"")).sorted().toList();
    assertEquals(
        "raw: every order and feedback event exactly once (their streams kept their shards)",
        events.stream().filter(l -> !l.contains("\"event_id\"")).sorted().toList(),
        others);

    // Clean: the same rows as the backfill's (apart from source names and run times).
    for (String d : List.of("orders", "order_lines", "click_events", "feedback")) {
      List<String> expected = Lake.rows(batch.resolve("clean").resolve(d), Lake.RUN_COLUMNS);
      assertFalse(d, expected.isEmpty());
      assertEquals(d, expected, Lake.rows(stream.resolve("clean").resolve(d), Lake.RUN_COLUMNS));
    }

    // department_sales_1m: the latest firing of each minute and department adds up to the day's
    // items.
    Map<String, GenericRecord> latest = new HashMap<>();
    for (GenericRecord r :
        Lake.read(stream.resolve("consumption").resolve("department_sales_1m"))) {
      String key = r.get("window_start") + "/" + r.get("department_id");
      GenericRecord old = latest.get(key);
      if (old == null || (Long) r.get("updated_at") >= (Long) old.get("updated_at")) {
        latest.put(key, r);
      }
    }
    long minuteItems = latest.values().stream().mapToLong(r -> (Long) r.get("items")).sum();
    long dailyItems =
        Lake.read(batch.resolve("consumption").resolve("daily_department_sales")).stream()
            .mapToLong(r -> (Long) r.get("items"))
            .sum();
    assertTrue(dailyItems > 0);
    assertEquals(dailyItems, minuteItems);

    // click_sessions: one row per session of the clean clicks (sessions of one id 30 minutes apart
    // would be two).
    Set<String> sessions = new HashSet<>();
    for (GenericRecord r : Lake.read(batch.resolve("clean").resolve("click_events"))) {
      sessions.add(r.get("session_id").toString());
    }
    Set<String> sessionRows = new HashSet<>();
    for (GenericRecord r : Lake.read(stream.resolve("consumption").resolve("click_sessions"))) {
      sessionRows.add(r.get("session_id").toString());
    }
    assertEquals(sessions, sessionRows);

    // Daily aggregates from the stream's clean zone equal the backfill's.
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--progressSeconds=0",
        "--zones=curated,consumption",
        "--lake=" + stream.toUri());
    assertEquals(
        Lake.rows(batch.resolve("consumption").resolve("daily_department_sales"), Lake.RUN_COLUMNS),
        Lake.rows(
            stream.resolve("consumption").resolve("daily_department_sales"), Lake.RUN_COLUMNS));
  }
}
