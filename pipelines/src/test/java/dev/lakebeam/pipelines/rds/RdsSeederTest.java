package dev.lakebeam.pipelines.rds;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.PostgresHarness;
import dev.lakebeam.schemas.OrderTimestamps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** seed-rds against a real PostgreSQL (DESIGN §6). */
public class RdsSeederTest {
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SAMPLE = Path.of("..", "sample-data", "files");
  private static final Path KINESIS = Path.of("..", "sample-data", "kinesis");

  private Map<String, Long> seed(Path input) throws Exception {
    try (Connection c = PG.connect()) {
      return new RdsSeeder(
              c, input, OrderTimestamps.DEFAULT_AS_OF, new PrintStream(new ByteArrayOutputStream()))
          .seed();
    }
  }

  @Test
  public void loadsEveryRowOfTheSample() throws Exception {
    Map<String, Long> counts = seed(SAMPLE);
    assertEquals(Long.valueOf(dataLines("departments.csv")), counts.get("departments"));
    assertEquals(Long.valueOf(dataLines("aisles.csv")), counts.get("aisles"));
    assertEquals(Long.valueOf(csvRecords("products.csv")), counts.get("products"));
    assertEquals(Long.valueOf(dataLines("orders.csv")), counts.get("orders"));
    assertEquals(
        Long.valueOf(
            dataLines("order_products__prior.csv") + dataLines("order_products__train.csv")),
        counts.get("order_lines"));
    assertEquals(
        Long.valueOf(Files.readAllLines(SAMPLE.resolve("customers.jsonl")).size()),
        counts.get("customers"));
    assertEquals(
        Long.valueOf(Files.readAllLines(SAMPLE.resolve("feedback.jsonl")).size()),
        counts.get("feedback"));
    try (Connection c = PG.connect()) {
      long priced = scalar(c, "SELECT count(*) FROM shop.products WHERE unit_price IS NOT NULL");
      assertEquals(dataLines("product_prices.csv"), priced);
      assertTrue("some products have no price", priced < counts.get("products"));
      // A quoted product name with a comma survives CSV parsing whole.
      String line =
          Files.readAllLines(SAMPLE.resolve("products.csv")).stream()
              .filter(l -> l.contains("\","))
              .findFirst()
              .orElseThrow();
      int id = Integer.parseInt(line.substring(0, line.indexOf(',')));
      String name =
          line.substring(line.indexOf('"') + 1, line.lastIndexOf('"')).replace("\"\"", "\"");
      assertEquals(
          name, string(c, "SELECT product_name FROM shop.products WHERE product_id = " + id));
      // First orders have no days_since_prior_order.
      assertEquals(
          0L,
          scalar(
              c,
              "SELECT count(*) FROM shop.orders WHERE (order_number = 1) <> (days_since_prior_order IS NULL)"));
    }
  }

  @Test
  public void orderTimesAgreeWithTheKinesisEventsAndTheRule() throws Exception {
    seed(SAMPLE);
    Map<Integer, Instant> fromKinesis = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    for (String l : Files.readAllLines(KINESIS.resolve("orders.jsonl"))) {
      JsonNode e = json.readTree(l);
      fromKinesis.put(e.get("order_id").asInt(), Instant.parse(e.get("order_ts").asText()));
    }
    int checked = 0;
    try (Connection c = PG.connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT order_id, order_ts, updated_at, order_dow, extract(dow FROM order_ts AT TIME ZONE 'UTC')::int FROM shop.orders")) {
      while (rs.next()) {
        Instant ts = rs.getTimestamp(2).toInstant();
        assertEquals("order " + rs.getInt(1), fromKinesis.get(rs.getInt(1)), ts);
        assertEquals(ts, rs.getTimestamp(3).toInstant());
        assertEquals(rs.getInt(4), rs.getInt(5));
        checked++;
      }
    }
    assertEquals(fromKinesis.size(), checked);
  }

  @Test
  public void loadingTwiceLeavesTheSameTables() throws Exception {
    seed(SAMPLE);
    Map<String, String> first = digests();
    seed(SAMPLE);
    assertEquals(first, digests());
  }

  @Test
  public void theKaggleFilesAloneSeedWithoutCustomersAndASeedWithCustomersRestoresTheirForeignKey()
      throws Exception {
    Path kaggle = tmp.newFolder("kaggle").toPath();
    for (String f :
        List.of(
            "departments.csv",
            "aisles.csv",
            "products.csv",
            "orders.csv",
            "order_products__prior.csv",
            "order_products__train.csv")) {
      Files.copy(SAMPLE.resolve(f), kaggle.resolve(f));
    }
    Map<String, Long> counts = seed(kaggle);
    assertEquals(Long.valueOf(dataLines("orders.csv")), counts.get("orders"));
    assertEquals(Long.valueOf(0), counts.get("customers"));
    try (Connection c = PG.connect()) {
      assertEquals(
          0L,
          scalar(
              c, "SELECT count(*) FROM pg_constraint WHERE conname = '" + RdsSeeder.USER_FK + "'"));
    }
    seed(SAMPLE);
    try (Connection c = PG.connect()) {
      assertEquals(
          1L,
          scalar(
              c, "SELECT count(*) FROM pg_constraint WHERE conname = '" + RdsSeeder.USER_FK + "'"));
      try (Statement st = c.createStatement()) {
        st.executeUpdate(
            "INSERT INTO shop.orders (order_id, user_id, eval_set, order_number, order_dow, order_hour_of_day, order_ts) "
                + "VALUES (99999999, 99999999, 'prior', 1, 0, 0, now())");
        fail("an order of an unknown customer must be refused once customers are loaded");
      } catch (SQLException e) {
        assertThat(e.getMessage(), containsString(RdsSeeder.USER_FK));
      }
    }
  }

  @Test
  public void aBrokenFileSetFailsAndLeavesThePreviousLoadInPlace() throws Exception {
    seed(SAMPLE);
    Map<String, String> before = digests();
    Path broken = tmp.newFolder("broken").toPath();
    try {
      seed(broken);
      fail("expected a failure");
    } catch (IOException e) {
      assertThat(e.getMessage(), containsString("missing"));
    }
    for (String f :
        List.of("departments.csv", "aisles.csv", "products.csv", "customers.jsonl", "orders.csv")) {
      Files.copy(SAMPLE.resolve(f), broken.resolve(f));
    }
    Files.writeString(
        broken.resolve("order_products__prior.csv"),
        "order_id,product_id,add_to_cart_order,reordered\n99999999,1,1,0\n");
    try {
      seed(broken);
      fail("expected a failure");
    } catch (SQLException e) {
      assertThat(
          e.getMessage(),
          containsString("1 order lines reference orders that orders.csv does not have"));
    }
    assertEquals(before, digests());
  }

  @Test
  public void cliSeedsAndReportsAndNeverPrintsThePassword() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Main main =
        new Main(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new Profiles(List.of(Path.of("..", "runner-profiles"))));
    assertEquals(0, main.run("seed-rds", "--input=" + SAMPLE, "--jdbcUrl=" + PG.url()));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("shop.order_lines"));
    assertEquals(
        1,
        main.run(
            "seed-rds",
            "--input=" + SAMPLE,
            "--jdbcUrl=jdbc:postgresql://127.0.0.1:1/none?user=x&password=hunter2secret"));
    String all = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertThat(
        all,
        containsString("cannot connect to jdbc:postgresql://127.0.0.1:1/none?user=x&password=***"));
    assertThat(all, not(containsString("hunter2secret")));
    assertEquals(2, main.run("seed-rds", "--input=" + SAMPLE, "--jdbcUrl=jdbc:mysql://x/y"));
    assertEquals(2, main.run("seed-rds", "--input=/nonexistent/folder", "--jdbcUrl=" + PG.url()));
  }

  private static Map<String, String> digests() throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = PG.connect()) {
      for (String t : RdsSeeder.TABLES) {
        out.put(
            t,
            string(
                c, "SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM shop." + t + " x"));
      }
    }
    return out;
  }

  private static long scalar(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String string(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static long dataLines(String f) throws Exception {
    return Files.readAllLines(SAMPLE.resolve(f)).size() - 1;
  }

  /** Records of a CSV whose quoted fields never span lines (the generator's products.csv). */
  private static long csvRecords(String f) throws Exception {
    return dataLines(f);
  }
}
