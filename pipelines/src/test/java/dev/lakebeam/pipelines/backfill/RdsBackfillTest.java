package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The backfill from PostgreSQL (the RDS source) against a real server. */
public class RdsBackfillTest {
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final List<String> DATASETS =
      List.of(
          "departments", "aisles", "products", "customers", "orders", "order_lines", "feedback");
  private static Path input;

  @BeforeClass
  public static void generate() throws Exception {
    Path out = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(out, 200, 31L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    input = out.resolve("files");
  }

  private static void seed() {
    BackfillTest.run("seed-rds", "--input=" + input, "--jdbcUrl=" + PG.url());
  }

  /** Clean rows without the fields that say where and when a record came from. */
  static List<String> values(Path lake, String dataset) throws Exception {
    List<String> out = new ArrayList<>();
    for (GenericRecord r : Lake.read(lake.resolve("clean").resolve(dataset))) {
      StringBuilder sb = new StringBuilder();
      for (Schema.Field f : r.getSchema().getFields()) {
        if (!List.of("_source", "_source_ref", "_ingested_at", "updated_at").contains(f.name())) {
          sb.append(f.name()).append('=').append(r.get(f.name())).append(';');
        }
      }
      out.add(sb.toString());
    }
    out.sort(null);
    return out;
  }

  @Test
  public void rdsGivesTheSameCleanRowsAsTheFilesOnDirectAndFlink() throws Exception {
    seed();
    Path files = TMP.newFolder("files").toPath();
    Path direct = TMP.newFolder("rds-direct").toPath();
    Path flink = TMP.newFolder("rds-flink").toPath();
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + input,
        "--lake=" + files.toUri());
    BackfillTest.run(
        "backfill",
        "--profile=direct",
        "--sources=rds",
        "--jdbcUrl=" + PG.url(),
        "--jdbcPartitions=3",
        "--lake=" + direct.toUri());
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--sources=rds",
        "--jdbcUrl=" + PG.url(),
        "--lake=" + flink.toUri());
    for (String d : DATASETS) {
      List<String> expected = values(files, d);
      assertFalse(d, expected.isEmpty());
      assertEquals(d + " (direct)", expected, values(direct, d));
      assertEquals(d + " (flink)", expected, values(flink, d));
    }
    for (GenericRecord r : Lake.read(flink.resolve("clean/orders"))) {
      assertEquals("rds", r.get("_source").toString());
      assertTrue(r.get("_source_ref").toString().startsWith("shop.orders:order_id="));
    }
    // Each extract lands in raw, gzip JSON lines, before it is parsed.
    for (String t :
        List.of(
            "departments",
            "aisles",
            "products",
            "customers",
            "orders",
            "order_lines",
            "feedback")) {
      try (Stream<Path> s = Files.walk(flink.resolve("raw/rds/" + t))) {
        assertEquals(t, 1, s.filter(p -> p.toString().endsWith(".jsonl.gz")).count());
      }
    }
  }

  @Test
  public void filesAndRdsInOneRunAreDeduped() throws Exception {
    seed();
    Path both = TMP.newFolder("both").toPath();
    Path rds = TMP.newFolder("rds-only").toPath();
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--sources=files,rds",
        "--input=" + input,
        "--jdbcUrl=" + PG.url(),
        "--lake=" + both.toUri());
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--sources=rds",
        "--jdbcUrl=" + PG.url(),
        "--lake=" + rds.toUri());
    for (String d : DATASETS) {
      assertEquals(d, values(rds, d), values(both, d));
    }
    try (Stream<Path> s = Files.list(both.resolve("_manifests"))) {
      JsonNode counts =
          new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile()).get("counts");
      long orders = Files.readAllLines(input.resolve("orders.csv")).size() - 1;
      assertEquals(2 * orders, counts.get("orders").get("in").asLong());
      assertEquals(orders, counts.get("orders").get("clean").asLong());
      assertEquals(orders, counts.get("orders").get("duplicates").asLong());
    }
    // The database's version (it has updated_at) wins over the file's.
    for (GenericRecord r : Lake.read(both.resolve("clean/orders"))) {
      assertEquals("rds", r.get("_source").toString());
    }
  }

  @Test
  public void failuresSayWhatIsWrongAndWriteNothing() throws Exception {
    seed();
    Path lake = TMP.newFolder("fail").toPath();
    assertThat(
        fail("--jdbcUrl=jdbc:postgresql://127.0.0.1:1/none?user=x&password=s3cr3t-pw", lake),
        containsString("cannot connect to jdbc:postgresql://127.0.0.1:1/none?user=x&password=***"));
    String url = PG.url();
    String wrongUser = url.replaceAll("user=[^&]*", "user=no_such_role_lakebeam");
    assertThat(
        fail(
            "--jdbcUrl="
                + (wrongUser.contains("user=")
                    ? wrongUser
                    : url + (url.contains("?") ? "&" : "?") + "user=no_such_role_lakebeam"),
            lake),
        containsString("no_such_role_lakebeam"));
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("ALTER TABLE shop.feedback RENAME TO feedback_moved");
    }
    assertThat(
        fail("--jdbcUrl=" + url, lake), containsString("table shop.feedback does not exist"));
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("ALTER TABLE shop.feedback_moved RENAME TO feedback");
      st.execute("ALTER TABLE shop.orders ALTER COLUMN order_ts TYPE text");
    }
    assertThat(
        fail("--jdbcUrl=" + url, lake),
        containsString("column shop.orders.order_ts is text, expected timestamp"));
    try (Connection c = PG.connect();
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA shop CASCADE");
    }
    assertFalse("nothing in clean after failed runs", Files.exists(lake.resolve("clean")));
  }

  @Test
  public void tableNamesFromOptionsComeOnlyFromTheAllowList() throws Exception {
    seed();
    long customers = count("shop.customers");
    Path lake = TMP.newFolder("hostile").toPath();
    for (String hostile :
        List.of(
            "orders;DROP TABLE shop.customers;--",
            "customers WHERE 1=1",
            "shop.orders",
            "\"orders\"",
            "Orders",
            "pg_catalog.pg_authid",
            "orders,feedback)--",
            "")) {
      RejectBudgetTest.Outcome r =
          RejectBudgetTest.run(
              "backfill",
              "--profile=direct",
              "--sources=rds",
              "--jdbcUrl=" + PG.url(),
              "--lake=" + lake.toUri(),
              "--rdsTables=" + hostile);
      assertEquals(hostile + ": " + r.output(), 2, r.code());
      assertThat(
          r.output(),
          containsString(
              "is not a table lakebeam reads; valid: departments, aisles, products, customers, orders, order_lines, feedback"));
    }
    assertEquals("the hostile names ran no SQL", customers, count("shop.customers"));
    assertFalse("nothing written", Files.exists(lake.resolve("clean")));
    // The allow-listed subset reads just those tables.
    BackfillTest.run(
        "backfill",
        "--profile=direct",
        "--sources=rds",
        "--jdbcUrl=" + PG.url(),
        "--lake=" + lake.toUri(),
        "--rdsTables=departments,aisles");
    try (Stream<Path> s = Files.list(lake.resolve("clean"))) {
      assertEquals(
          List.of("aisles", "departments"),
          s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("_")).sorted().toList());
    }
  }

  private static long count(String table) throws Exception {
    try (Connection c = PG.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String fail(String jdbcUrl, Path lake) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(
                "backfill", "--profile=direct", "--sources=rds", jdbcUrl, "--lake=" + lake.toUri());
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(text, 1, code);
    assertThat(text, not(containsString("s3cr3t-pw")));
    return text;
  }
}
