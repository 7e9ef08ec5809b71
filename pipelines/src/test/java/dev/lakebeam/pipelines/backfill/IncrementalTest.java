package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.PostgresHarness;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Incremental RDS runs: only changed rows are read, and the clean zone holds the latest versions.
 */
public class IncrementalTest {
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static JsonNode lastManifest(Path lake) throws Exception {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      Path last = s.max(Comparator.comparing(Path::getFileName)).orElseThrow();
      return new ObjectMapper().readTree(last.toFile());
    }
  }

  private static long in(JsonNode manifest, String source) {
    JsonNode c = manifest.get("counts").get(source);
    return c == null ? 0 : c.get("in").asLong();
  }

  private static Map<Integer, GenericRecord> byId(Path lake, String dataset, String key)
      throws Exception {
    Map<Integer, GenericRecord> out = new HashMap<>();
    for (GenericRecord r : Lake.read(lake.resolve("clean").resolve(dataset))) {
      assertEquals("one row per key", null, out.put((Integer) r.get(key), r));
    }
    return out;
  }

  @Test
  public void readsOnlyWhatChangedAndAppliesUpdates() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 200, 41L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    BackfillTest.run("seed-rds", "--input=" + gen.resolve("files"), "--jdbcUrl=" + PG.url());
    Path lake = TMP.newFolder("lake").toPath();
    String[] args = {
      "backfill",
      "--profile=local",
      "--parallelism=2",
      "--sources=rds",
      "--incremental",
      "--jdbcUrl=" + PG.url(),
      "--lake=" + lake.toUri()
    };

    // 1) First run: no bookmark yet, everything is read.
    BackfillTest.run(args);
    long orders = Files.readAllLines(gen.resolve("files/orders.csv")).size() - 1;
    assertEquals(orders, in(lastManifest(lake), "orders"));
    assertTrue(Files.exists(lake.resolve("_state/rds_high_water.json")));
    Map<Integer, GenericRecord> before = byId(lake, "orders", "order_id");
    int lines = Lake.read(lake.resolve("clean/order_lines")).size();

    // 2) Change one order and one customer, add one order with a line.
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("UPDATE shop.orders SET eval_set = 'test', updated_at = now() WHERE order_id = 5");
      st.execute(
          "UPDATE shop.customers SET tier = 'gold', email = 'changed@example.com', updated_at = now() WHERE customer_id = 1");
      st.execute(
          "INSERT INTO shop.orders (order_id, user_id, eval_set, order_number, order_dow, order_hour_of_day, "
              + "days_since_prior_order, order_ts, updated_at) VALUES (900001, 1, 'prior', 99, 1, 9, 3, '2025-06-30 09:00:00+00', now())");
      st.execute(
          "INSERT INTO shop.order_lines (order_id, product_id, add_to_cart_order, reordered, quantity, updated_at) "
              + "VALUES (900001, 7, 1, 0, 2, now())");
    }
    BackfillTest.run(args);
    JsonNode m = lastManifest(lake);
    assertEquals(2, in(m, "orders"));
    assertEquals(1, in(m, "order_products"));
    assertEquals(1, in(m, "customers"));
    assertEquals(0, in(m, "feedback"));
    Map<Integer, GenericRecord> after = byId(lake, "orders", "order_id");
    assertEquals(orders + 1, after.size());
    assertEquals("test", after.get(5).get("eval_set").toString());
    assertEquals(
        before.get(6).toString().replaceAll("\"_ingested_at\": \\d+", ""),
        after.get(6).toString().replaceAll("\"_ingested_at\": \\d+", ""));
    assertEquals(lines + 1, Lake.read(lake.resolve("clean/order_lines")).size());
    assertEquals("gold", byId(lake, "customers", "user_id").get(1).get("tier").toString());

    // 3) No change: nothing is read, nothing changes.
    List<String> files =
        Lake.parquetFiles(lake.resolve("clean")).stream().map(Path::toString).sorted().toList();
    BackfillTest.run(args);
    m = lastManifest(lake);
    for (String s :
        List.of(
            "departments",
            "aisles",
            "products",
            "customers",
            "orders",
            "order_products",
            "feedback")) {
      assertEquals(s, 0, in(m, s));
    }
    assertEquals(orders + 1, byId(lake, "orders", "order_id").size());
    assertEquals(
        files,
        Lake.parquetFiles(lake.resolve("clean")).stream().map(Path::toString).sorted().toList());

    // 4) A failed run does not move the bookmark.
    String state = Files.readString(lake.resolve("_state/rds_high_water.json"));
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("UPDATE shop.orders SET updated_at = now() WHERE order_id = 7");
      st.execute("ALTER TABLE shop.feedback RENAME TO feedback_gone");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(args);
    assertEquals(1, code);
    assertThat(
        out.toString(StandardCharsets.UTF_8), containsString("shop.feedback does not exist"));
    assertEquals(state, Files.readString(lake.resolve("_state/rds_high_water.json")));
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("ALTER TABLE shop.feedback_gone RENAME TO feedback");
    }
    BackfillTest.run(args);
    assertEquals(1, in(lastManifest(lake), "orders"));

    // 5) Some tables only: the others' partitions are left as they are.
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "UPDATE shop.customers SET tier = 'silver', updated_at = now() WHERE customer_id = 1");
      st.execute(
          "UPDATE shop.orders SET eval_set = 'prior', updated_at = now() WHERE order_id = 5");
    }
    List<String> orderFiles =
        Lake.parquetFiles(lake.resolve("clean/orders")).stream()
            .map(Path::toString)
            .sorted()
            .toList();
    String[] customersOnly = Arrays.copyOf(args, args.length + 1);
    customersOnly[args.length] = "--rdsTables=customers";
    BackfillTest.run(customersOnly);
    m = lastManifest(lake);
    assertEquals(1, in(m, "customers"));
    assertEquals(0, in(m, "orders"));
    assertEquals("silver", byId(lake, "customers", "user_id").get(1).get("tier").toString());
    assertEquals("test", byId(lake, "orders", "order_id").get(5).get("eval_set").toString());
    assertEquals(
        orderFiles,
        Lake.parquetFiles(lake.resolve("clean/orders")).stream()
            .map(Path::toString)
            .sorted()
            .toList());
  }
}
