package dev.lakebeam.pipelines.replay;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.KinesisHarness;
import dev.lakebeam.pipelines.testing.ThrottlingProxy;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * replay against a real Kinesis API (kinesis-local on 127.0.0.1): every event arrives once, keyed
 * by customer.
 */
public class ReplayTest {
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static int run(ByteArrayOutputStream all, String... args) {
    PrintStream p = new PrintStream(all, true, StandardCharsets.UTF_8);
    List<String> a = new ArrayList<>(List.of(args));
    if (a.get(0).equals("replay")) {
      a.addAll(KINESIS.beamOptions());
      if (a.stream().noneMatch(x -> x.startsWith("--input="))) {
        a.add("--input=" + Path.of("..", "sample-data")); // the tests run in pipelines/
      }
    }
    return new Main(p, p, new Profiles(List.of(Path.of("..", "runner-profiles"))))
        .run(a.toArray(String[]::new));
  }

  /** Every record of a stream, per shard in sequence order. */
  static Map<String, List<Record>> read(KinesisClient k, String stream) {
    Map<String, List<Record>> out = new TreeMap<>();
    for (Shard shard : k.listShards(b -> b.streamName(stream)).shards()) {
      List<Record> records = new ArrayList<>();
      String it =
          k.getShardIterator(
                  b ->
                      b.streamName(stream)
                          .shardId(shard.shardId())
                          .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
              .shardIterator();
      while (it != null) {
        String current = it;
        GetRecordsResponse r = k.getRecords(b -> b.shardIterator(current).limit(10_000));
        records.addAll(r.records());
        if (r.records().isEmpty()
            && (r.millisBehindLatest() == null || r.millisBehindLatest() == 0)) {
          break;
        }
        it = r.nextShardIterator();
      }
      out.put(shard.shardId(), records);
    }
    return out;
  }

  @Test
  public void theSampleArrivesWholeKeyedByCustomerInTwoShards() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertEquals(log.toString(StandardCharsets.UTF_8), 0, run(log, "replay"));
    assertThat(log.toString(StandardCharsets.UTF_8), containsString("replay: 7,668 records"));
    try (KinesisClient k = KINESIS.client()) {
      for (String[] s :
          new String[][] {
            {"orders", "lakebeam-orders", "user_id"},
            {"clickstream", "lakebeam-clickstream", "customer_id"},
            {"feedback", "lakebeam-feedback", "feedback_id"}
          }) {
        Map<String, List<Record>> shards = read(k, s[1]);
        assertEquals(s[1], 2, shards.size());
        List<String> got = new ArrayList<>();
        for (List<Record> records : shards.values()) {
          for (Record r : records) {
            String line = r.data().asUtf8String();
            got.add(line);
            JsonNode j = JSON.readTree(line);
            String key = j.get(s[2]).isNull() ? j.get("session_id").asText() : j.get(s[2]).asText();
            assertEquals(line, key, r.partitionKey());
          }
        }
        List<String> expected =
            new ArrayList<>(
                Files.readAllLines(Path.of("..", "sample-data", "kinesis", s[0] + ".jsonl")));
        expected.removeIf(String::isBlank);
        got.sort(null);
        expected.sort(null);
        assertEquals(s[0] + ": every event exactly once, byte for byte", expected, got);
      }
    }
  }

  @Test
  public void speedupPutsEventsInEventTimeOrder() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 40, 3L, 30, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertEquals(
        log.toString(StandardCharsets.UTF_8),
        0,
        run(
            log,
            "replay",
            "--input=" + gen,
            "--streams=orders,clickstream",
            "--ordersStream=fast-orders",
            "--clickstreamStream=fast-clicks",
            "--shards=1",
            "--speedup=1e9"));
    try (KinesisClient k = KINESIS.client()) {
      for (String[] s : new String[][] {{"fast-orders", "order_ts"}, {"fast-clicks", "ts"}}) {
        List<Record> records = read(k, s[0]).values().iterator().next();
        assertFalse(records.isEmpty());
        Instant previous = Instant.MIN;
        for (Record r : records) {
          Instant t = Instant.parse(JSON.readTree(r.data().asUtf8String()).get(s[1]).asText());
          assertTrue(s[0] + ": " + t + " after " + previous, !t.isBefore(previous));
          previous = t;
        }
      }
    }
  }

  @Test
  public void rateSpreadsTheRecordsOverTimeInsteadOfOneBurst() throws Exception {
    Path gen = TMP.newFolder("paced").toPath();
    new Generator(
            new Generator.Config(gen, 40, 4L, 30, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertEquals(
        log.toString(StandardCharsets.UTF_8),
        0,
        run(
            log,
            "replay",
            "--input=" + gen,
            "--streams=orders",
            "--ordersStream=paced-orders",
            "--shards=1",
            "--rate=20"));
    List<Record> records = read(KINESIS.client(), "paced-orders").values().iterator().next();
    assertEquals(40, records.size());
    // 40 records at 20/s: the last arrives about 2 s after the first (one PutRecords of all 40
    // would put them within milliseconds of each other).
    Duration span =
        Duration.between(
            records.get(0).approximateArrivalTimestamp(),
            records.get(records.size() - 1).approximateArrivalTimestamp());
    assertTrue("arrivals spread over " + span, span.toMillis() >= 1500);
    assertEquals(2, Replayer.batchForRate(20));
    assertEquals(1, Replayer.batchForRate(4));
    assertEquals(Replayer.MAX_BATCH_RECORDS, Replayer.batchForRate(0));
  }

  /**
   * Throttling on writes: the emulator does not enforce Kinesis's shard limits, so a proxy in front
   * of it refuses every third PutRecords call with ProvisionedThroughputExceeded (without passing
   * it on), alternately as a failed call (retried by the SDK) and as an answer whose every record
   * failed (retried by replay, which counts them). The stream ends up with every record of the
   * sample exactly once.
   */
  @Test
  public void throttledWritesAreRetriedAndEveryRecordArrivesOnce() throws Exception {
    int port =
        Integer.parseInt(KINESIS.endpoint().substring(KINESIS.endpoint().lastIndexOf(':') + 1));
    try (ThrottlingProxy proxy = new ThrottlingProxy(port, "PutRecords", 3)) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "replay",
                  "--input=" + Path.of("..", "sample-data"),
                  "--streams=clickstream",
                  "--clickstreamStream=throttled-clicks",
                  "--shards=1"));
      for (String o : KINESIS.beamOptions()) {
        args.add(o.startsWith("--endpoint=") ? "--endpoint=" + proxy.endpoint() : o);
      }
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream p = new PrintStream(log, true, StandardCharsets.UTF_8);
      int code =
          new Main(p, p, new Profiles(List.of(Path.of("..", "runner-profiles"))))
              .run(args.toArray(String[]::new));
      String text = log.toString(StandardCharsets.UTF_8);
      assertEquals(text, 0, code);
      assertTrue("no call was throttled: " + text, proxy.refused() >= 2);
      Matcher retried = Pattern.compile("([\\d,]+) retried").matcher(text);
      assertTrue("replay reports no retried records: " + text, retried.find());
      assertTrue(text, Long.parseLong(retried.group(1).replace(",", "")) > 0);
      System.out.println(
          "ReplayTest: "
              + proxy.refused()
              + " PutRecords calls throttled; "
              + text.lines().filter(l -> l.startsWith("replay:")).toList());
    }
    List<String> want =
        new ArrayList<>(
            Files.readAllLines(Path.of("..", "sample-data", "kinesis", "clickstream.jsonl")));
    want.removeIf(String::isBlank);
    List<String> got = new ArrayList<>();
    for (Record r : read(KINESIS.client(), "throttled-clicks").values().iterator().next()) {
      got.add(r.data().asUtf8String());
    }
    want.sort(null);
    got.sort(null);
    assertEquals("every record once", want, got);
  }

  @Test
  public void badUsageExits2() {
    String[][] cases = {
      {"--streams=orders,payments", "'payments' is none of them"},
      {"--rate=10", "--speedup=2", "exclude each other"},
      {"--input=/no/such/folder", "--input must be a data set folder"},
      {"--shards=0", "--shards must be at least 1"},
    };
    for (String[] c : cases) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      List<String> args = new ArrayList<>(List.of("replay"));
      args.addAll(List.of(c).subList(0, c.length - 1));
      assertEquals(String.join(" ", c), 2, run(log, args.toArray(String[]::new)));
      assertThat(log.toString(StandardCharsets.UTF_8), containsString(c[c.length - 1]));
    }
  }
}
