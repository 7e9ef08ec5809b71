package dev.lakebeam.tools.generate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.schemas.OrderTimestamps;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The generated data has the shape of the real Instacart data (DESIGN §2). */
public class GeneratorShapeTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final int ORDERS = 30_000;
  private static Path files;
  private static Path kinesis;
  private static List<String[]> orders;
  private static List<String[]> prior;

  @BeforeClass
  public static void generate() throws IOException {
    Path out = TMP.newFolder("gen").toPath();
    Generator.Summary s =
        new Generator(
                new Generator.Config(
                    out,
                    ORDERS,
                    7L,
                    Generator.Config.defaultProducts(ORDERS),
                    OrderTimestamps.DEFAULT_AS_OF),
                new PrintStream(new ByteArrayOutputStream()))
            .run();
    assertEquals(ORDERS, s.orders());
    files = s.filesDir();
    kinesis = s.kinesisDir();
    orders = csv(files.resolve("orders.csv"));
    prior = csv(files.resolve("order_products__prior.csv"));
  }

  @Test
  public void kaggleHeadersAndNumberFormats() throws IOException {
    assertEquals(
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order",
        firstLine("orders.csv"));
    assertEquals(
        "order_id,product_id,add_to_cart_order,reordered", firstLine("order_products__prior.csv"));
    assertEquals(
        "order_id,product_id,add_to_cart_order,reordered", firstLine("order_products__train.csv"));
    assertEquals("product_id,product_name,aisle_id,department_id", firstLine("products.csv"));
    assertEquals("aisle_id,aisle", firstLine("aisles.csv"));
    assertEquals("department_id,department", firstLine("departments.csv"));
    for (String[] o : orders) {
      assertTrue(o[5], o[5].matches("[0-2][0-9]"));
      assertTrue(o[6], o[6].isEmpty() || o[6].matches("[0-9]+\\.0"));
    }
    assertEquals(21, csv(files.resolve("departments.csv")).size());
    assertEquals(134, csv(files.resolve("aisles.csv")).size());
    long quoted =
        Files.readAllLines(files.resolve("products.csv")).stream()
            .filter(l -> l.contains("\","))
            .count();
    assertThat("product names with commas are quoted", quoted, greaterThan(0L));
  }

  @Test
  public void ordersPerUserBetween4And100() {
    Map<String, Integer> perUser = new HashMap<>();
    orders.forEach(o -> perUser.merge(o[1], 1, Integer::sum));
    for (int n : perUser.values()) {
      assertThat(n, allOf(greaterThanOrEqualTo(4), lessThanOrEqualTo(100)));
    }
    double mean = (double) ORDERS / perUser.size();
    assertThat("mean orders per user (real: 16.6)", mean, closeTo(16.6, 2.5));
  }

  @Test
  public void daysSincePriorCappedAt30AndEmptyExactlyOnFirstOrders() {
    double sum = 0;
    int n = 0;
    int thirty = 0;
    for (String[] o : orders) {
      boolean first = o[3].equals("1");
      assertEquals(first, o[6].isEmpty());
      if (!first) {
        double d = Double.parseDouble(o[6]);
        assertThat(d, allOf(greaterThanOrEqualTo(0.0), lessThanOrEqualTo(30.0)));
        sum += d;
        n++;
        thirty += d == 30.0 ? 1 : 0;
      }
    }
    assertThat("mean days between orders (real: 11.1)", sum / n, closeTo(11.1, 2.0));
    assertThat("share capped at 30 (real: ~0.11)", (double) thirty / n, closeTo(0.10, 0.05));
  }

  @Test
  public void reorderedShareOfPriorLinesIsAbout59Percent() {
    double reordered = prior.stream().filter(l -> l[3].equals("1")).count() / (double) prior.size();
    assertThat(reordered, closeTo(0.59, 0.03));
    Set<String> firstOrders = new HashSet<>();
    orders.stream().filter(o -> o[3].equals("1")).forEach(o -> firstOrders.add(o[0]));
    assertTrue(
        "nothing is reordered in a first order",
        prior.stream().filter(l -> firstOrders.contains(l[0])).allMatch(l -> l[3].equals("0")));
  }

  @Test
  public void weekdayAndHourFollowTheRealDistributions() {
    int[] dow = new int[7];
    int[] hour = new int[24];
    orders.forEach(
        o -> {
          dow[Integer.parseInt(o[4])]++;
          hour[Integer.parseInt(o[5])]++;
        });
    for (int d = 0; d < 7; d++) {
      assertThat(
          "dow " + d, dow[d] / (double) ORDERS, closeTo(InstacartCatalog.DOW_WEIGHTS[d], 0.02));
    }
    int busy = 0;
    for (int h = 10; h <= 16; h++) {
      busy += hour[h];
    }
    assertThat("10:00-16:59 share (real: ~0.58)", busy / (double) ORDERS, closeTo(0.58, 0.06));
    assertThat(
        "night is quiet", (hour[2] + hour[3] + hour[4]) / (double) ORDERS, lessThanOrEqualTo(0.02));
  }

  @Test
  public void productPopularityIsSkewed() {
    Map<String, Integer> count = new HashMap<>();
    prior.forEach(l -> count.merge(l[1], 1, Integer::sum));
    List<Integer> sorted = new ArrayList<>(count.values());
    sorted.sort((a, b) -> b - a);
    int top = Math.max(1, sorted.size() / 100);
    long topLines = sorted.subList(0, top).stream().mapToLong(i -> i).sum();
    assertThat(
        "top 1% of products carry a large share of lines",
        topLines / (double) prior.size(), greaterThan(0.10));
  }

  @Test
  public void kinesisOrdersCarryTheOrderTsRuleAndMatchTheFiles() throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, String[]> byId = new HashMap<>();
    orders.forEach(o -> byId.put(o[0], o));
    Map<String, List<OrderTimestamps.OrderKey>> perUser = new HashMap<>();
    for (String[] o : orders) {
      perUser
          .computeIfAbsent(o[1], k -> new ArrayList<>())
          .add(
              new OrderTimestamps.OrderKey(
                  Integer.parseInt(o[0]),
                  Integer.parseInt(o[3]),
                  Integer.parseInt(o[4]),
                  Integer.parseInt(o[5]),
                  o[6].isEmpty() ? null : (int) Double.parseDouble(o[6])));
    }
    Map<Integer, Instant> rule = new HashMap<>();
    perUser
        .values()
        .forEach(u -> rule.putAll(OrderTimestamps.assign(u, OrderTimestamps.DEFAULT_AS_OF)));
    int events = 0;
    int lines = 0;
    try (BufferedReader r = Files.newBufferedReader(kinesis.resolve("orders.jsonl"))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        JsonNode e = json.readTree(line);
        String[] o = byId.get(e.get("order_id").asText());
        assertEquals(o[1], e.get("user_id").asText());
        assertEquals(o[2], e.get("eval_set").asText());
        Instant ts = Instant.parse(e.get("order_ts").asText());
        assertEquals(rule.get(e.get("order_id").asInt()), ts);
        LocalDate date = ts.atZone(ZoneOffset.UTC).toLocalDate();
        assertEquals(
            "weekday of order_ts is order_dow",
            Integer.parseInt(o[4]),
            OrderTimestamps.orderDow(date));
        assertThat(date, lessThanOrEqualTo(OrderTimestamps.DEFAULT_AS_OF));
        lines += e.get("lines").size();
        events++;
      }
    }
    assertEquals(ORDERS, events);
    assertEquals(prior.size() + csv(files.resolve("order_products__train.csv")).size(), lines);
    assertTrue(
        Files.mismatch(files.resolve("clickstream.jsonl"), kinesis.resolve("clickstream.jsonl"))
            < 0);
  }

  @Test
  public void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
    Path a = TMP.newFolder("a").toPath();
    Path b = TMP.newFolder("b").toPath();
    Path c = TMP.newFolder("c").toPath();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    new Generator(new Generator.Config(a, 2000, 99L, 400, OrderTimestamps.DEFAULT_AS_OF), quiet)
        .run();
    new Generator(new Generator.Config(b, 2000, 99L, 400, OrderTimestamps.DEFAULT_AS_OF), quiet)
        .run();
    new Generator(new Generator.Config(c, 2000, 100L, 400, OrderTimestamps.DEFAULT_AS_OF), quiet)
        .run();
    assertEquals(digests(a), digests(b));
    assertTrue(!digests(a).get("files/orders.csv").equals(digests(c).get("files/orders.csv")));
  }

  @Test
  public void theCommittedSampleIsWhatTheDocumentedCommandGenerates() throws Exception {
    Path sample = Path.of("..", "sample-data").toAbsolutePath().normalize();
    Path out = TMP.newFolder("sample").toPath();
    // The command in sample-data/README.md: generate --out=sample-data --orders=3000 --seed=42
    new Generator(
            new Generator.Config(
                out,
                3000,
                42L,
                Generator.Config.defaultProducts(3000),
                LocalDate.parse("2025-06-30")),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Map<String, String> generated = digests(out);
    for (Map.Entry<String, String> e : generated.entrySet()) {
      Path committed = sample.resolve(e.getKey());
      assertTrue("missing in sample-data: " + e.getKey(), Files.exists(committed));
      assertEquals(
          "sample-data/" + e.getKey() + " differs from generate's output",
          e.getValue(),
          digest(committed));
    }
  }

  @Test
  public void progressLinesOnLongRuns() throws IOException {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    new Generator(
            new Generator.Config(
                TMP.newFolder("p").toPath(), 500, 1L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(progress, true, StandardCharsets.UTF_8),
            Duration.ZERO)
        .run();
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("/500 orders"));
  }

  @Test
  public void bytesPerOrderStayFlatAsTheScaleGrows() throws IOException {
    // Streaming to disk: heap after a 10x larger run must not grow with it (allowing GC noise).
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Path small = TMP.newFolder("s").toPath();
    Path large = TMP.newFolder("l").toPath();
    new Generator(
            new Generator.Config(small, 5_000, 3L, 2_000, OrderTimestamps.DEFAULT_AS_OF), quiet)
        .run();
    long before = usedHeapAfterGc();
    new Generator(
            new Generator.Config(large, 50_000, 3L, 2_000, OrderTimestamps.DEFAULT_AS_OF), quiet)
        .run();
    long after = usedHeapAfterGc();
    assertThat(
        "heap growth after a 50k-order run, bytes", after - before, lessThanOrEqualTo(32L << 20));
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static String firstLine(String name) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(files.resolve(name))) {
      return r.readLine();
    }
  }

  /** Minimal reader for the generator's own CSV: quoted fields only in products.csv names. */
  private static List<String[]> csv(Path p) throws IOException {
    List<String[]> rows = new ArrayList<>();
    List<String> all = Files.readAllLines(p);
    for (String l : all.subList(1, all.size())) {
      rows.add(l.split(",", -1));
    }
    return rows;
  }

  private static Map<String, String> digests(Path root) throws IOException {
    Map<String, String> out = new HashMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString().replace('\\', '/'), digest(p));
      }
    }
    return out;
  }

  private static String digest(Path p) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(Files.readAllBytes(p)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
