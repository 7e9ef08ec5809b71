package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.hamcrest.Matchers;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The file backfill end to end: DirectRunner and FlinkRunner [local], reruns, PII. */
public class BackfillTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path input;
  private static final List<String> DATASETS =
      List.of(
          "departments",
          "aisles",
          "products",
          "customers",
          "orders",
          "order_lines",
          "click_events",
          "feedback");

  @BeforeClass
  public static void generate() throws Exception {
    Path out = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(out, 250, 11L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    input = out.resolve("files");
  }

  /**
   * Runs the CLI and asserts exit 0. A backfill without --zones builds raw and clean only: the
   * tests of those zones need no more, and CuratedOracleTest and S3BackfillTest cover the rest.
   */
  static String run(String... args) {
    if (args.length > 0
        && args[0].equals("backfill")
        && Arrays.stream(args).noneMatch(a -> a.startsWith("--zones"))) {
      args =
          Stream.concat(Arrays.stream(args), Stream.of("--zones=raw,clean")).toArray(String[]::new);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(args);
    String all = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertEquals(all, 0, code);
    return all;
  }

  /** Clean rows of a dataset as sorted strings, without the run-specific _ingested_at. */
  static List<String> rows(Path lake, String dataset) throws Exception {
    return rows(lake, "clean", dataset);
  }

  /** Rows of a dataset of any zone as sorted strings, without the run-specific _ingested_at. */
  static List<String> rows(Path lake, String zone, String dataset) throws Exception {
    return Lake.rows(lake.resolve(zone).resolve(dataset), Set.of("_ingested_at"));
  }

  @Test
  public void directAndFlinkGiveTheSameCleanRowsAndRerunsChangeNothing() throws Exception {
    Path direct = TMP.newFolder("direct").toPath();
    Path flink = TMP.newFolder("flink").toPath();
    run("backfill", "--profile=direct", "--input=" + input, "--lake=" + direct.toUri());
    String summary =
        run(
            "backfill",
            "--profile=local",
            "--parallelism=2",
            "--progressSeconds=1",
            "--input=" + input,
            "--lake=" + flink.toUri());
    assertThat(summary, containsString("succeeded"));
    assertThat(
        "a progress line while the job runs, with its stage and share done",
        summary,
        Matchers.matchesPattern(
            "(?s).*backfill: raw\\+clean, \\d+ s: (starting the job, 0 of [^;]+ read|\\d+ % of [^;]+ read \\([^)]+\\)); [\\d,]+ records read, .*"));
    long orders = Files.readAllLines(input.resolve("orders.csv")).size() - 1;
    for (String d : DATASETS) {
      List<String> a = rows(direct, d);
      assertFalse(d + " is empty", a.isEmpty());
      assertEquals(d, a, rows(flink, d));
    }
    assertEquals(orders, rows(flink, "orders").size());

    // Rerun on Flink: identical rows, and the same files (no duplicates, no leftovers).
    List<String> filesBefore = relativeFiles(flink.resolve("clean"));
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + input,
        "--lake=" + flink.toUri());
    assertEquals(filesBefore, relativeFiles(flink.resolve("clean")));
    for (String d : DATASETS) {
      assertEquals(d, rows(direct, d), rows(flink, d));
    }
    assertFalse("no staging folder left", Files.exists(flink.resolve("clean/_staging")));
    assertFalse(
        "no staging or temp debris",
        relativeFiles(flink).stream()
            .anyMatch(p -> p.contains("_staging") || p.contains(".temp-beam")));
    // Partitions are the UTC dates of the event times.
    for (GenericRecord r : Lake.read(flink.resolve("clean/orders"))) {
      assertTrue(r.get("order_ts") instanceof Long);
    }
    for (Path p : Lake.parquetFiles(flink.resolve("clean/orders"))) {
      String rel = flink.resolve("clean/orders").relativize(p).toString();
      assertTrue(
          rel, rel.matches("year=\\d{4}/month=\\d{2}/day=\\d{2}/part-00000-of-00001\\.parquet"));
      for (GenericRecord r : Lake.readFile(p)) {
        String day =
            Instant.ofEpochMilli((Long) r.get("order_ts"))
                .atZone(ZoneOffset.UTC)
                .toLocalDate()
                .toString();
        assertEquals(
            "year="
                + day.substring(0, 4)
                + "/month="
                + day.substring(5, 7)
                + "/day="
                + day.substring(8, 10),
            rel.substring(0, 25));
      }
    }
    // The manifest accounts for every record.
    Path manifests = flink.resolve("_manifests");
    try (Stream<Path> s = Files.list(manifests)) {
      List<Path> all = s.toList();
      assertEquals(2, all.size());
      JsonNode m = new ObjectMapper().readTree(all.get(0).toFile());
      assertEquals("SUCCEEDED", m.get("status").asText());
      JsonNode c = m.get("counts").get("orders");
      assertEquals(orders, c.get("in").asLong());
      assertEquals(orders, c.get("clean").asLong());
    }
    // Raw: every input file, gzip, under raw/files/{source}/ingest_date=.
    assertEquals(
        10, Lake.parquetFiles(flink.resolve("raw")).size() + countGz(flink.resolve("raw")));
  }

  @Test
  public void noRawPiiOutsideTheRawZone() throws Exception {
    Path lake = TMP.newFolder("pii").toPath();
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + input,
        "--lake=" + lake.toUri());
    Set<String> pii = new HashSet<>();
    ObjectMapper json = new ObjectMapper();
    for (String l : Files.readAllLines(input.resolve("customers.jsonl"))) {
      JsonNode c = json.readTree(l);
      pii.add(c.get("full_name").asText());
      pii.add(c.get("email").asText());
      if (!c.get("phone").isNull()) {
        pii.add(c.get("phone").asText());
      }
    }
    for (String l : Files.readAllLines(input.resolve("clickstream.jsonl"))) {
      pii.add(json.readTree(l).get("ip").asText());
    }
    assertThat(pii.size(), greaterThan(30));
    int values = 0;
    for (Path p : Lake.parquetFiles(lake.resolve("clean"))) {
      for (GenericRecord r : Lake.readFile(p)) {
        for (Schema.Field f : r.getSchema().getFields()) {
          Object v = r.get(f.name());
          if (v != null) {
            values++;
            String s = v.toString();
            for (String x : pii) {
              assertFalse(p + " " + f.name() + " holds raw PII", s.contains(x));
            }
          }
        }
      }
    }
    assertThat(values, greaterThan(1000));
  }

  @Test
  public void theHmacKeyIsRequiredOutsideDevProfilesAndNeverWrittenAnywhere() throws Exception {
    Path lake = TMP.newFolder("keys").toPath();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(
                "backfill",
                "--profile=direct",
                "--allowDevHmacKey=false",
                "--hmacKeyEnv=LAKEBEAM_NO_SUCH_VARIABLE",
                "--input=" + input,
                "--lake=" + lake.toUri());
    assertEquals(2, code);
    assertThat(
        out.toString(StandardCharsets.UTF_8),
        containsString("set $LAKEBEAM_NO_SUCH_VARIABLE to the HMAC key"));
    assertFalse("nothing written without a key", Files.exists(lake.resolve("clean")));

    // With a real key (set for the test JVM by the pom): the key is used, and appears nowhere.
    String key = System.getenv("LAKEBEAM_TEST_HMAC_KEY");
    assertTrue(
        "the pom sets LAKEBEAM_TEST_HMAC_KEY for the tests", key != null && key.length() >= 16);
    String output =
        run(
            "backfill",
            "--profile=direct",
            "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY",
            "--input=" + input,
            "--lake=" + lake.toUri());
    assertFalse(output.contains(key));
    assertFalse("no development-key warning when a key is set", output.contains("development key"));
    try (Stream<Path> s = Files.walk(lake)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        byte[] bytes = Files.readAllBytes(p);
        if (p.toString().endsWith(".gz")) {
          bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
        }
        assertFalse(
            p + " holds the key", new String(bytes, StandardCharsets.ISO_8859_1).contains(key));
      }
    }
    for (GenericRecord r : Lake.read(lake.resolve("clean/customers"))) {
      String token = r.get("email_token").toString();
      assertFalse(token.isEmpty());
      for (String devRow : rows(devLake(), "customers")) {
        assertFalse(
            "tokens under the real key differ from the development key's", devRow.contains(token));
      }
    }
    for (Path p : Lake.parquetFiles(lake.resolve("clean"))) {
      for (GenericRecord r : Lake.readFile(p)) {
        for (Schema.Field f : r.getSchema().getFields()) {
          Object v = r.get(f.name());
          assertFalse(v != null && v.toString().contains(key));
        }
      }
    }
  }

  private static Path devLakePath;

  /** A lake built with the development key, once. */
  private static synchronized Path devLake() throws Exception {
    if (devLakePath == null) {
      devLakePath = TMP.newFolder("devkey").toPath();
      run("backfill", "--profile=direct", "--input=" + input, "--lake=" + devLakePath.toUri());
    }
    return devLakePath;
  }

  @Test
  public void aDateRangeReplacesExactlyItsPartitions() throws Exception {
    Path lake = TMP.newFolder("range").toPath();
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + input,
        "--lake=" + lake.toUri());
    Path orders = lake.resolve("clean/orders");
    List<Path> partitions = Lake.parquetFiles(orders);
    assertThat(partitions.size(), greaterThan(3));
    Path middle = partitions.get(partitions.size() / 2);
    String rel = orders.relativize(middle).toString(); // year=YYYY/month=MM/day=DD/part-...
    String day = rel.substring(5, 9) + "-" + rel.substring(16, 18) + "-" + rel.substring(23, 25);
    Map<Path, FileTime> before = new HashMap<>();
    for (Path p : Lake.parquetFiles(lake.resolve("clean"))) {
      before.put(p, Files.getLastModifiedTime(p));
    }
    Thread.sleep(1100);
    String summary =
        run(
            "backfill",
            "--profile=local",
            "--parallelism=2",
            "--from=" + day,
            "--to=" + day,
            "--input=" + input,
            "--lake=" + lake.toUri());
    assertThat(summary, containsString("succeeded"));
    for (Map.Entry<Path, FileTime> e : before.entrySet()) {
      String r = lake.resolve("clean").relativize(e.getKey()).toString();
      boolean inRange = r.contains(rel.substring(0, 25));
      boolean snapshot = !r.contains("year=");
      assertTrue(r + " still there", Files.exists(e.getKey()));
      assertEquals(
          r + (inRange || snapshot ? " rewritten" : " untouched"),
          !(inRange || snapshot),
          e.getValue().equals(Files.getLastModifiedTime(e.getKey())));
    }
    assertEquals(before.keySet(), new HashSet<>(Lake.parquetFiles(lake.resolve("clean"))));

    // On an empty lake, a range run writes only the range's partitions, and counts the rest as
    // skipped.
    Path fresh = TMP.newFolder("range-fresh").toPath();
    run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--from=" + day,
        "--to=" + day,
        "--input=" + input,
        "--lake=" + fresh.toUri());
    for (String d : List.of("orders", "order_lines")) {
      for (Path p : Lake.parquetFiles(fresh.resolve("clean").resolve(d))) {
        assertTrue(p.toString(), p.toString().contains(rel.substring(0, 25)));
      }
    }
    try (Stream<Path> s = Files.list(fresh.resolve("_manifests"))) {
      JsonNode m = new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
      JsonNode c = m.get("counts").get("orders");
      assertEquals(Lake.read(fresh.resolve("clean/orders")).size(), c.get("clean").asLong());
      assertThat(c.get("skipped").asLong(), greaterThan(0L));
      assertEquals(c.get("in").asLong(), c.get("clean").asLong() + c.get("skipped").asLong());
      assertEquals("local", m.get("profile").asText());
      assertThat(m.get("command_line").toString(), containsString("--from=" + day));
      assertThat(m.get("command_line").toString(), containsString("--allowDevHmacKey=true"));
    }
  }

  private static int countGz(Path raw) throws Exception {
    try (Stream<Path> s = Files.walk(raw)) {
      return (int)
          s.filter(p -> p.toString().endsWith(".gz") && p.toString().contains("/ingest_date="))
              .count();
    }
  }

  private static List<String> relativeFiles(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }
}
