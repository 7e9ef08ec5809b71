package dev.lakebeam.pipelines.backfill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.query.LakeSql;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.PostgresHarness;
import dev.lakebeam.schemas.AthenaDdl;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.tools.generate.Generator;
import dev.lakebeam.transforms.curated.ReorderModel;
import dev.lakebeam.transforms.io.ParquetFiles;
import dev.lakebeam.transforms.records.CountRows;
import dev.lakebeam.transforms.records.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The curated and consumption zones against an independent oracle: a generated set is seeded into
 * PostgreSQL, backfilled from there through every zone on Flink, and daily_department_sales,
 * product_performance and user_features are computed again with plain SQL over the shop schema and
 * compared with the Parquet output row by row (revenue to the cent). A smaller lake's
 * curated/consumption stage on DirectRunner and a rerun on Flink give identical rows, and
 * --serveJdbc leaves exactly the Parquet rows in schema analytics, run after run.
 */
public class CuratedOracleTest {
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String AS_OF = OrderTimestamps.DEFAULT_AS_OF.toString();
  private static Path lake;

  @BeforeClass
  public static void seedAndBackfill() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 1200, 5L, 300, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    BackfillTest.run("seed-rds", "--input=" + gen.resolve("files"), "--jdbcUrl=" + PG.url());
    lake = TMP.newFolder("lake").toPath();
    String summary =
        BackfillTest.run(
            "backfill",
            "--profile=local",
            "--parallelism=2",
            "--sources=rds",
            "--jdbcUrl=" + PG.url(),
            "--zones=raw,clean,curated,consumption",
            "--serveJdbc=" + PG.url(),
            "--lake=" + lake.toUri(),
            "--progressSeconds=1");
    assertTrue(summary, summary.contains("consumption/reorder_predictions"));
    assertTrue(
        "progress lines while curated and consumption are built: " + summary,
        summary.contains("backfill: curated+consumption, ")
            && summary.contains(" s: rows to the writers: "));
    long enriched =
        ParquetFiles.forEach(
            lake.resolve("curated").resolve("order_lines_enriched").toString(), r -> {});
    assertTrue(enriched > 1000);
    assertEquals(
        "the in-process tally behind the progress lines counts every enriched line",
        Long.valueOf(enriched),
        Progress.tally(CountRows.NAMESPACE).get("order_lines_enriched"));
  }

  @Test
  public void enrichedLinesEqualPlainSqlEachInTheFolderOfItsDay() throws Exception {
    List<String> sql =
        query(
            """
        SELECT l.order_id, l.product_id, o.user_id, o.order_ts, p.product_name, a.aisle, d.department,
               round(p.unit_price * l.quantity, 2)
        FROM shop.order_lines l JOIN shop.orders o USING (order_id) JOIN shop.products p USING (product_id)
             JOIN shop.aisles a ON a.aisle_id = p.aisle_id
             JOIN shop.departments d ON d.department_id = p.department_id""");
    Path root = lake.resolve("curated").resolve("order_lines_enriched");
    List<String> parquet = new ArrayList<>();
    List<Path> days;
    try (Stream<Path> walk = Files.walk(root)) {
      days = walk.filter(f -> f.getFileName().toString().startsWith("day=")).toList();
    }
    assertTrue("a real data set in day folders", days.size() > 20);
    for (Path day : days) {
      String date = root.relativize(day).toString().replaceAll("[a-z]+=", "").replace('/', '-');
      for (GenericRecord r : Lake.read(day)) {
        Instant ts = Instant.ofEpochMilli((Long) r.get("order_ts"));
        assertEquals(day + ": " + r, date, ts.toString().substring(0, 10));
        parquet.add(
            String.join(
                " | ",
                show(r.get("order_id")),
                show(r.get("product_id")),
                show(r.get("user_id")),
                ts.toString(),
                show(r.get("product_name")),
                show(r.get("aisle")),
                show(r.get("department")),
                show(r.get("line_revenue"))));
      }
    }
    parquet.sort(null);
    assertEquals(sql, parquet);
  }

  @Test
  public void dailyDepartmentSalesEqualPlainSql() throws Exception {
    List<String> sql =
        query(
            """
        SELECT (o.order_ts AT TIME ZONE 'UTC')::date, p.department_id, d.department, count(DISTINCT o.order_id),
               sum(l.quantity), sum(round(p.unit_price * l.quantity, 2)),
               coalesce(sum(l.quantity) FILTER (WHERE p.unit_price IS NULL), 0)
        FROM shop.order_lines l JOIN shop.orders o USING (order_id) JOIN shop.products p USING (product_id)
             JOIN shop.departments d ON d.department_id = p.department_id
        GROUP BY 1, 2, 3""");
    List<String> parquet = parquet(Zone.CONSUMPTION, Dataset.DAILY_DEPARTMENT_SALES, null);
    assertTrue("a real data set", parquet.size() > 500);
    assertTrue(
        "some department-days have unpriced items",
        parquet.stream().anyMatch(r -> !r.endsWith(" | 0")));
    assertEquals(sql, parquet);
  }

  @Test
  public void productPerformanceEqualsPlainSql() throws Exception {
    List<String> sql =
        query(
            """
        SELECT product_id, product_name, department, orders, units, revenue, reorder_rate,
               row_number() OVER (PARTITION BY department_id ORDER BY units DESC, product_id)
        FROM (SELECT p.product_id, p.product_name, d.department, p.department_id, count(*) AS orders, sum(l.quantity) AS units,
                     sum(round(p.unit_price * l.quantity, 2)) AS revenue, avg(l.reordered) AS reorder_rate
              FROM shop.order_lines l JOIN shop.products p USING (product_id)
                   JOIN shop.departments d ON d.department_id = p.department_id
              GROUP BY 1, 2, 3, 4) t""");
    List<String> parquet = parquet(Zone.CONSUMPTION, Dataset.PRODUCT_PERFORMANCE, null);
    assertTrue(parquet.size() > 200);
    assertEquals(sql, parquet);
  }

  @Test
  public void userFeaturesEqualPlainSql() throws Exception {
    List<String> sql =
        query(
            """
        WITH lines AS (
          SELECT o.user_id, o.order_id, o.order_number, o.days_since_prior_order, o.order_ts, l.product_id, l.reordered,
                 p.department_id
          FROM shop.order_lines l JOIN shop.orders o USING (order_id) JOIN shop.products p USING (product_id)
          WHERE o.eval_set = 'prior'),
        ords AS (SELECT DISTINCT user_id, order_id, days_since_prior_order, order_ts FROM lines),
        fav AS (
          SELECT user_id, department_id,
                 row_number() OVER (PARTITION BY user_id ORDER BY count(*) DESC, department_id) AS rn
          FROM lines GROUP BY user_id, department_id)
        SELECT u.user_id, u.orders, u.total_items, u.distinct_products, u.total_items::numeric / u.orders,
               g.mean_gap, g.std_gap, u.reorder_ratio, f.department_id, d.department,
               DATE '%s' - g.last_day
        FROM (SELECT user_id, count(DISTINCT order_id) AS orders, count(*) AS total_items,
                     count(DISTINCT product_id) AS distinct_products,
                     sum(reordered) FILTER (WHERE order_number > 1)::numeric
                       / nullif(count(*) FILTER (WHERE order_number > 1), 0) AS reorder_ratio
              FROM lines GROUP BY user_id) u
        JOIN (SELECT user_id, avg(days_since_prior_order) AS mean_gap, stddev_pop(days_since_prior_order) AS std_gap,
                     max((order_ts AT TIME ZONE 'UTC')::date) AS last_day
              FROM ords GROUP BY user_id) g USING (user_id)
        JOIN fav f ON f.user_id = u.user_id AND f.rn = 1
        JOIN shop.departments d ON d.department_id = f.department_id"""
                .formatted(AS_OF));
    List<String> parquet = parquet(Zone.CURATED, Dataset.USER_FEATURES, "as_of=" + AS_OF);
    assertTrue(parquet.size() > 50);
    assertEquals(sql, parquet);
  }

  @Test
  public void servedTablesHoldExactlyTheParquetRowsAfterEveryRun() throws Exception {
    for (int run = 0; run < 2; run++) {
      if (run
          == 1) { // a second serve replaces the tables: same rows, no duplicates (the primary keys
        // would refuse them)
        BackfillTest.run(
            "backfill",
            "--profile=local",
            "--parallelism=2",
            "--zones=consumption",
            "--serveJdbc=" + PG.url(),
            "--lake=" + lake.toUri());
      }
      for (Dataset d : Serve.TABLES) {
        List<String> cols = new ArrayList<>();
        for (Schema.Field f : d.avroSchema().getFields()) {
          cols.add("\"" + f.name() + "\"");
        }
        List<String> served =
            query("SELECT " + String.join(", ", cols) + " FROM analytics." + d.datasetName());
        assertFalse(d.datasetName(), served.isEmpty());
        assertEquals(d.datasetName(), parquet(Zone.CONSUMPTION, d, null), served);
      }
    }
  }

  @Test
  public void directRunnerAndARerunGiveIdenticalRows() throws Exception {
    // A small set of its own: the DirectRunner pays per key group, and this is about equality, not
    // scale.
    Path gen = TMP.newFolder("small").toPath();
    new Generator(
            new Generator.Config(gen, 150, 9L, 80, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path small = TMP.newFolder("small-lake").toPath();
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + gen.resolve("files"),
        "--zones=raw,clean,curated,consumption",
        "--lake=" + small.toUri());
    List<List<String>> before = everything(small);
    Path direct = TMP.newFolder("direct").toPath();
    BackfillTest.run(
        "backfill",
        "--profile=direct",
        "--zones=curated,consumption",
        "--lake=" + small.toUri(),
        "--curatedZone=" + direct.resolve("curated").toUri(),
        "--consumptionZone=" + direct.resolve("consumption").toUri());
    assertEquals(before, everything(direct));
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--zones=curated,consumption",
        "--lake=" + small.toUri());
    assertEquals(before, everything(small));
  }

  @Test
  public void trainModelFitsAModelThatBeatsTheBaselineAndTheShippedOneDoesToo() throws Exception {
    Path model = TMP.getRoot().toPath().resolve("model.json");
    String fit =
        BackfillTest.run(
            "train-model",
            "--lake=" + lake.toUri(),
            "--modelOut=" + model,
            "--modelVersion=test-lr");
    ReorderModel m = ReorderModel.fromFile(model);
    assertEquals("test-lr", m.version());
    JsonNode q = new ObjectMapper().readTree(model.toFile()).get("quality");
    assertTrue(
        fit,
        q.get("holdout").get("f1").asDouble()
            > q.get("baseline_in_last_order_holdout").get("f1").asDouble());
    String shipped =
        BackfillTest.run("train-model", "--lake=" + lake.toUri(), "--evaluateOnly=true");
    Matcher f1 = Pattern.compile("F1 ([0-9.]+)").matcher(shipped);
    assertTrue(shipped, f1.find());
    double modelF1 = Double.parseDouble(f1.group(1));
    assertTrue(shipped, f1.find());
    assertTrue(shipped, modelF1 > Double.parseDouble(f1.group(1)));
  }

  @Test
  public void aRunWithPredictionsFromAnotherModelFileCarriesItsVersion() throws Exception {
    Path model = TMP.getRoot().toPath().resolve("other-model.json");
    BackfillTest.run(
        "train-model", "--lake=" + lake.toUri(), "--modelOut=" + model, "--modelVersion=other-v2");
    Path other = TMP.newFolder("other-consumption").toPath();
    BackfillTest.run(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--zones=consumption",
        "--lake=" + lake.toUri(),
        "--consumptionZone=" + other.toUri(),
        "--reorderModel=" + model,
        "--topN=3");
    List<GenericRecord> predictions = Lake.read(other.resolve("reorder_predictions"));
    assertFalse(predictions.isEmpty());
    for (GenericRecord r : predictions) {
      assertEquals("other-v2", r.get("model_version").toString());
      assertTrue((Integer) r.get("rank") <= 3);
    }
  }

  @Test
  public void queryAnswersAsPlainSqlOverTheSourceTables() throws Exception {
    // The consumption table through 'lakebeam query', and a join of two clean tables done by it.
    List<String> sales =
        query(
            """
        SELECT (o.order_ts AT TIME ZONE 'UTC')::date, p.department_id, count(DISTINCT o.order_id), sum(l.quantity),
               sum(round(p.unit_price * l.quantity, 2))
        FROM shop.order_lines l JOIN shop.orders o USING (order_id) JOIN shop.products p USING (product_id)
        GROUP BY 1, 2""");
    assertEquals(
        sales,
        lakeQuery(
            "SELECT date, department_id, orders, items, revenue FROM consumption_daily_department_sales"));
    List<String> perDay =
        query(
            """
        SELECT (o.order_ts AT TIME ZONE 'UTC')::date, o.eval_set, count(*), count(DISTINCT o.user_id), sum(l.reordered)
        FROM shop.order_lines l JOIN shop.orders o USING (order_id) GROUP BY 1, 2""");
    List<String> lake =
        lakeQuery(
            """
        SELECT CAST(o.order_ts AS DATE), o.eval_set, count(*), count(DISTINCT o.user_id), sum(l.reordered)
        FROM lakebeam.clean_order_lines l JOIN clean_orders o USING (order_id)
        WHERE o.year || '-' || o.month || '-' || o.day = strftime(o.order_ts, '%Y-%m-%d')
        GROUP BY 1, 2""");
    assertTrue(perDay.size() > 100);
    assertEquals(
        "every order in the partition of its UTC day, and the join of clean tables as the source's",
        perDay,
        lake);
  }

  @Test
  public void queryListsEveryDdlTableWithTheRowsItsFilesHold() throws Exception {
    String out = BackfillTest.run("query", "--lake=" + lake.toUri(), "--tables", "--format=json");
    Map<String, Long> rows = new HashMap<>();
    for (String line : out.strip().split("\n")) {
      JsonNode t = new ObjectMapper().readTree(line);
      rows.put(t.get("table").asText(), t.get("rows").asLong());
    }
    for (Dataset d : Dataset.values()) {
      assertTrue(out, rows.containsKey(AthenaDdl.tableName(d)));
    }
    for (Dataset d :
        List.of(
            Dataset.ORDER_LINES,
            Dataset.ORDER_LINES_ENRICHED,
            Dataset.USER_FEATURES,
            Dataset.PRODUCT_PERFORMANCE)) {
      long files = Lake.read(lake.resolve(d.zone().dir()).resolve(d.datasetName())).size();
      assertTrue(files > 0);
      assertEquals(d.name(), Long.valueOf(files), rows.get(AthenaDdl.tableName(d)));
    }
    assertEquals(
        "the stream's tables exist, empty",
        Long.valueOf(0),
        rows.get("consumption_click_sessions"));
  }

  @Test
  public void theDdlsColumnsAndTypesAreWhatTheFilesHoldAsDuckDbReadsThem() throws Exception {
    int checked = 0;
    try (LakeSql sql = LakeSql.open(z -> lake.resolve(z.dir()).toUri().toString())) {
      for (LakeSql.Table t : sql.tables()) {
        List<String> ddl = new ArrayList<>();
        AthenaDdl.columns(t.dataset()).forEach(c -> ddl.add(c.name() + " " + duck(c.type())));
        List<String> view = describe(sql, "SELECT * FROM " + t.name());
        List<String> withPartitions = new ArrayList<>(ddl);
        AthenaDdl.partitionColumns(t.dataset())
            .forEach(c -> withPartitions.add(c.name() + " VARCHAR"));
        assertEquals(t.name(), withPartitions, view);
        if (t.files() == 0) {
          continue;
        }
        // The files themselves, uncast: every DDL column is there with the DDL's type.
        Map<String, String> files = sql.fileColumns(t.pattern());
        List<String> inFiles = new ArrayList<>();
        for (String c : ddl) {
          String name = c.substring(0, c.indexOf(' '));
          inFiles.add(
              name
                  + " "
                  + String.valueOf(files.get(name))
                      .replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"));
        }
        assertEquals(t.name() + " as written", ddl, inFiles);
        checked++;
      }
    }
    assertTrue("tables with files checked: " + checked, checked >= 14);
  }

  private static String duck(String athena) {
    return switch (athena) {
      case "string" -> "VARCHAR";
      case "int" -> "INTEGER";
      case "bigint" -> "BIGINT";
      case "double" -> "DOUBLE";
      case "boolean" -> "BOOLEAN";
      case "timestamp" -> "TIMESTAMP";
      case "date" -> "DATE";
      default -> athena.toUpperCase(Locale.ROOT);
    };
  }

  private static List<String> describe(LakeSql sql, String select) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement st = sql.connection().createStatement();
        ResultSet rs = st.executeQuery("DESCRIBE " + select)) {
      while (rs.next()) {
        out.add(rs.getString("column_name") + " " + rs.getString("column_type"));
      }
    }
    return out;
  }

  /** A query's rows through 'lakebeam query --format=json', as {@link #query} shows them. */
  private static List<String> lakeQuery(String sql) throws Exception {
    String out = BackfillTest.run("query", "--lake=" + lake.toUri(), "--format=json", sql);
    ObjectMapper json =
        new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    List<String> rows = new ArrayList<>();
    for (String line : out.strip().split("\n")) {
      List<String> values = new ArrayList<>();
      json.readTree(line)
          .elements()
          .forEachRemaining(
              v ->
                  values.add(
                      v.isNull()
                          ? "null"
                          : show(
                              v.isFloatingPointNumber()
                                  ? v.decimalValue()
                                  : v.isNumber() ? (Object) v.longValue() : v.asText())));
      rows.add(String.join(" | ", values));
    }
    rows.sort(null);
    return rows;
  }

  /**
   * Every row of every curated and consumption dataset (the folder of a lake or of two zone URIs
   * under it).
   */
  private static List<List<String>> everything(Path root) throws Exception {
    List<List<String>> all = new ArrayList<>();
    for (Zone z : List.of(Zone.CURATED, Zone.CONSUMPTION)) {
      for (Dataset d : Dataset.inZone(z)) {
        if (d == Dataset.DEPARTMENT_SALES_1M || d == Dataset.CLICK_SESSIONS) {
          continue; // the stream's
        }
        List<String> rows = rows(root.resolve(z.dir()).resolve(d.datasetName()), d);
        assertFalse(d.datasetName(), rows.isEmpty());
        all.add(rows);
      }
    }
    return all;
  }

  private static List<String> parquet(Zone zone, Dataset d, String partition) throws Exception {
    Path folder = lake.resolve(zone.dir()).resolve(d.datasetName());
    return rows(partition == null ? folder : folder.resolve(partition), d);
  }

  private static List<String> rows(Path folder, Dataset d) throws Exception {
    List<String> out = new ArrayList<>();
    for (GenericRecord r : Lake.read(folder)) {
      List<String> values = new ArrayList<>();
      for (Schema.Field f : d.avroSchema().getFields()) {
        Object v = r.get(f.name());
        Schema t =
            f.schema().getType() == Schema.Type.UNION ? f.schema().getTypes().get(1) : f.schema();
        values.add(
            v != null && t.getLogicalType() instanceof LogicalTypes.Date
                ? LocalDate.ofEpochDay((Integer) v).toString()
                : v != null && t.getLogicalType() instanceof LogicalTypes.TimestampMillis
                    ? Instant.ofEpochMilli((Long) v).toString()
                    : show(v));
      }
      out.add(String.join(" | ", values));
    }
    out.sort(null);
    return out;
  }

  private static List<String> query(String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = PG.connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          Object v = rs.getObject(i);
          values.add(v instanceof java.sql.Timestamp ts ? ts.toInstant().toString() : show(v));
        }
        out.add(String.join(" | ", values));
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Numbers with a fraction to 6 places (revenue is compared to the cent and beyond), the rest as
   * text.
   */
  private static String show(Object v) {
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      return String.format(Locale.ROOT, "%.6f", new BigDecimal(v.toString()));
    }
    return String.valueOf(v);
  }
}
