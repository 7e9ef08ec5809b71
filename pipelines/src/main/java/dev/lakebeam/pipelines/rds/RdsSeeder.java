package dev.lakebeam.pipelines.rds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.OrderTimestamps.OrderKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Loads a file set (the layout of {@code sample-data/files}) into the operational PostgreSQL schema
 * {@code shop} with COPY, in one transaction: the schema is created if absent, the tables are
 * emptied and filled, so loading twice leaves the same tables.
 *
 * <p>Steps: 1) schema.sql; 2) TRUNCATE; 3) the CSV files through COPY into temporary tables
 * (PostgreSQL parses the CSV), then into {@code shop}; 4) {@code order_ts} from {@link
 * OrderTimestamps}; 5) the JSON-lines files through COPY; 6) counts.
 *
 * <p>{@code updated_at}: the as-of date for departments, aisles and products; the file's value for
 * customers; {@code order_ts} for orders and their lines; {@code submitted_at} for feedback.
 */
public final class RdsSeeder {
  /** Tables in load order. */
  public static final List<String> TABLES =
      List.of(
          "departments", "aisles", "products", "customers", "orders", "order_lines", "feedback");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection c;
  private final Path input;
  private final LocalDate asOf;
  private final PrintStream progress;

  public RdsSeeder(Connection c, Path input, LocalDate asOf, PrintStream progress) {
    this.c = c;
    this.input = input;
    this.asOf = asOf;
    this.progress = progress;
  }

  /**
   * The foreign key from shop.orders.user_id to shop.customers (PostgreSQL's name for it in
   * schema.sql).
   */
  static final String USER_FK = "orders_user_id_fkey";

  /** The DDL of the operational tables (sample-data/rds/schema.sql, built into the jar). */
  public static String schemaSql() throws IOException {
    try (InputStream in = RdsSeeder.class.getClassLoader().getResourceAsStream("rds/schema.sql")) {
      if (in == null) {
        throw new IOException("rds/schema.sql is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Loads everything and returns the row count of each table. */
  public Map<String, Long> seed() throws IOException, SQLException {
    for (String f : List.of("departments.csv", "aisles.csv", "products.csv", "orders.csv")) {
      if (!Files.isRegularFile(input.resolve(f))) {
        throw new IOException(
            "missing " + input.resolve(f) + ": --input must be a folder like sample-data/files");
      }
    }
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      exec(schemaSql());
      exec(
          "TRUNCATE shop.order_lines, shop.orders, shop.products, shop.aisles, shop.departments, "
              + "shop.customers, shop.feedback");
      // The Kaggle files have no customers: without customers.jsonl, orders.user_id cannot
      // reference
      // shop.customers, so the foreign key is dropped (and restored by a seed that has customers).
      boolean customers = Files.isRegularFile(input.resolve("customers.jsonl"));
      if (customers) {
        exec(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '"
                + USER_FK
                + "') THEN "
                + "ALTER TABLE shop.orders ADD CONSTRAINT "
                + USER_FK
                + " FOREIGN KEY (user_id) REFERENCES shop.customers (customer_id); "
                + "END IF; END $$");
      } else {
        exec("ALTER TABLE shop.orders DROP CONSTRAINT IF EXISTS " + USER_FK);
        progress.println(
            "seed-rds: no customers.jsonl (the Kaggle files have none): shop.customers stays empty and "
                + "shop.orders.user_id is not checked against it");
      }
      Timestamp asOfTs = Timestamp.from(asOf.atStartOfDay().toInstant(ZoneOffset.UTC));
      loadDimension(
          "departments.csv",
          "department_id text, department text",
          "INSERT INTO shop.departments SELECT department_id::int, department, ? FROM s",
          asOfTs);
      loadDimension(
          "aisles.csv",
          "aisle_id text, aisle text",
          "INSERT INTO shop.aisles SELECT aisle_id::int, aisle, ? FROM s",
          asOfTs);
      loadDimension(
          "products.csv",
          "product_id text, product_name text, aisle_id text, department_id text",
          "INSERT INTO shop.products (product_id, product_name, aisle_id, department_id, updated_at) "
              + "SELECT product_id::int, product_name, aisle_id::int, department_id::int, ? FROM s",
          asOfTs);
      if (Files.isRegularFile(input.resolve("product_prices.csv"))) {
        loadDimension(
            "product_prices.csv",
            "product_id text, unit_price text",
            "UPDATE shop.products p SET unit_price = s.unit_price::numeric FROM s "
                + "WHERE p.product_id = s.product_id::int",
            null);
      }
      loadJsonLines(
          "customers.jsonl",
          "shop.customers (customer_id, full_name, email, phone, country, tier, updated_at)",
          List.of("customer_id", "full_name", "email", "phone", "country", "tier", "updated_at"));
      loadOrders();
      loadOrderLines();
      loadJsonLines(
          "feedback.jsonl",
          "shop.feedback (feedback_id, store_id, rating, comment, email, submitted_at, updated_at)",
          List.of(
              "feedback_id",
              "store_id",
              "rating",
              "comment",
              "email",
              "submitted_at",
              "submitted_at"));
      Map<String, Long> counts = new LinkedHashMap<>();
      for (String t : TABLES) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT count(*) FROM shop." + t)) {
          rs.next();
          counts.put(t, rs.getLong(1));
        }
      }
      c.commit();
      return counts;
    } catch (IOException | SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  private void loadDimension(String file, String columns, String insert, Timestamp ts)
      throws IOException, SQLException {
    long t0 = System.nanoTime();
    exec("DROP TABLE IF EXISTS s; CREATE TEMP TABLE s (" + columns + ")");
    long staged = copyFile(input.resolve(file), "s");
    long n;
    try (PreparedStatement ps = c.prepareStatement(insert)) {
      if (ts != null) {
        ps.setTimestamp(1, ts);
      }
      n = ps.executeUpdate();
    }
    exec("DROP TABLE s");
    report(file, staged == n ? n : n + " of " + staged, t0);
  }

  /** COPYs a CSV file with a header into a table; returns the rows copied. */
  private long copyFile(Path file, String table) throws IOException, SQLException {
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return copy.copyIn("COPY " + table + " FROM STDIN (FORMAT csv, HEADER true)", r);
    }
  }

  private void loadJsonLines(String file, String target, List<String> fields)
      throws IOException, SQLException {
    Path p = input.resolve(file);
    if (!Files.isRegularFile(p)) {
      progress.println(
          "seed-rds: no "
              + file
              + ", "
              + target.substring(0, target.indexOf(' '))
              + " stays empty");
      return;
    }
    long t0 = System.nanoTime();
    CopyIn in =
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn("COPY " + target + " FROM STDIN (FORMAT csv)");
    long n = 0;
    try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      StringBuilder row = new StringBuilder();
      int lineNo = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          throw new IOException(p + ":" + lineNo + ": not JSON: " + e.getMessage(), e);
        }
        row.setLength(0);
        for (int i = 0; i < fields.size(); i++) {
          if (i > 0) {
            row.append(',');
          }
          JsonNode v = node.get(fields.get(i));
          row.append(v == null || v.isNull() ? "" : copyField(v.asText()));
        }
        row.append('\n');
        byte[] b = row.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(b, 0, b.length);
        n++;
      }
      in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
    report(file, n, t0);
  }

  /**
   * Orders: stage the CSV, read it back per user in order_number order into compact arrays, give
   * each order its order_ts by the one rule, and COPY into shop.orders.
   */
  private void loadOrders() throws IOException, SQLException {
    long t0 = System.nanoTime();
    exec(
        "DROP TABLE IF EXISTS s; CREATE TEMP TABLE s (order_id text, user_id text, eval_set text, "
            + "order_number text, order_dow text, order_hour_of_day text, days_since_prior_order text)");
    long staged = copyFile(input.resolve("orders.csv"), "s");
    int size = Math.toIntExact(staged);
    int[] id = new int[size];
    int[] user = new int[size];
    int[] number = new int[size];
    int[] dow = new int[size];
    int[] hour = new int[size];
    int[] gap = new int[size];
    byte[] eval = new byte[size];
    List<String> evalSets = List.of("prior", "train", "test");
    try (Statement st = c.createStatement()) {
      st.setFetchSize(10_000);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT order_id::int, user_id::int, eval_set, order_number::int, order_dow::int, "
                  + "order_hour_of_day::int, days_since_prior_order::numeric::int "
                  + "FROM s ORDER BY user_id::int, order_number::int, order_id::int")) {
        int i = 0;
        while (rs.next()) {
          id[i] = rs.getInt(1);
          user[i] = rs.getInt(2);
          int e = evalSets.indexOf(rs.getString(3));
          if (e < 0) {
            throw new SQLException(
                "order "
                    + id[i]
                    + ": eval_set must be prior, train or test, was "
                    + rs.getString(3));
          }
          eval[i] = (byte) e;
          number[i] = rs.getInt(4);
          dow[i] = rs.getInt(5);
          hour[i] = rs.getInt(6);
          gap[i] = rs.getInt(7);
          if (rs.wasNull()) {
            gap[i] = -1;
          }
          i++;
        }
      }
    }
    exec("DROP TABLE s");
    CopyIn in =
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY shop.orders (order_id, user_id, eval_set, order_number, order_dow, order_hour_of_day, "
                    + "days_since_prior_order, order_ts, updated_at) FROM STDIN (FORMAT csv)");
    try {
      StringBuilder row = new StringBuilder();
      for (int start = 0; start < size; ) {
        int end = start;
        List<OrderKey> keys = new ArrayList<>();
        while (end < size && user[end] == user[start]) {
          keys.add(
              new OrderKey(
                  id[end], number[end], dow[end], hour[end], gap[end] < 0 ? null : gap[end]));
          end++;
        }
        Map<Integer, Instant> ts = OrderTimestamps.assign(keys, asOf);
        for (int i = start; i < end; i++) {
          String t = ts.get(id[i]).toString();
          row.setLength(0);
          row.append(id[i])
              .append(',')
              .append(user[i])
              .append(',')
              .append(evalSets.get(eval[i]))
              .append(',')
              .append(number[i])
              .append(',')
              .append(dow[i])
              .append(',')
              .append(hour[i])
              .append(',')
              .append(gap[i] < 0 ? "" : String.valueOf(gap[i]))
              .append(',')
              .append(t)
              .append(',')
              .append(t)
              .append('\n');
          byte[] b = row.toString().getBytes(StandardCharsets.UTF_8);
          in.writeToCopy(b, 0, b.length);
        }
        start = end;
      }
      in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
    report("orders.csv", size, t0);
  }

  private void loadOrderLines() throws IOException, SQLException {
    long t0 = System.nanoTime();
    exec(
        "DROP TABLE IF EXISTS s; CREATE TEMP TABLE s (order_id text, product_id text, "
            + "add_to_cart_order text, reordered text)");
    long staged = 0;
    for (String f : List.of("order_products__prior.csv", "order_products__train.csv")) {
      if (Files.isRegularFile(input.resolve(f))) {
        staged += copyFile(input.resolve(f), "s");
      }
    }
    long n;
    try (Statement st = c.createStatement()) {
      n =
          st.executeUpdate(
              "INSERT INTO shop.order_lines (order_id, product_id, add_to_cart_order, reordered, quantity, updated_at) "
                  + "SELECT s.order_id::int, s.product_id::int, s.add_to_cart_order::int, s.reordered::smallint, 1, o.order_ts "
                  + "FROM s JOIN shop.orders o ON o.order_id = s.order_id::int");
    }
    exec("DROP TABLE s");
    if (n != staged) {
      throw new SQLException(
          (staged - n) + " order lines reference orders that orders.csv does not have");
    }
    report("order_products__*.csv", n, t0);
  }

  private void exec(String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private void report(String what, Object rows, long t0) {
    progress.printf(
        Locale.ROOT,
        "seed-rds: %-24s %s rows in %.1f s%n",
        what,
        rows,
        (System.nanoTime() - t0) / 1e9);
  }

  /** A field for COPY ... (FORMAT csv): empty strings quoted (an unquoted empty field is NULL). */
  static String copyField(String s) {
    if (s.isEmpty()) {
      return "\"\"";
    }
    boolean quote = false;
    for (int i = 0; i < s.length() && !quote; i++) {
      char ch = s.charAt(i);
      quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r' || ch == '\\';
    }
    return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
  }
}
