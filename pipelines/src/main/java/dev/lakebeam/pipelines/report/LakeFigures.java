package dev.lakebeam.pipelines.report;

import dev.lakebeam.pipelines.query.LakeSql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of the report's lake sections, read with SQL over the lake's tables (the Athena
 * names, through {@link LakeSql}). Each method returns null when its table has no rows yet.
 */
final class LakeFigures {
  /** Departments drawn as their own line; the rest are summed as "other". */
  static final int TOP_DEPARTMENTS = 6;

  /** Products shown per department. */
  static final int TOP_PRODUCTS = 5;

  /** Bins of the predicted-probability histogram over [0, 1]. */
  static final int BINS = 20;

  /**
   * Revenue per time bucket and department line; {@code bucket} is day, week (7-day periods ending
   * on the last day) or month, and {@code x} holds each bucket's first day.
   */
  record Sales(
      String bucket,
      LocalDate first,
      LocalDate last,
      long rows,
      double revenue,
      long items,
      int departments,
      List<LocalDate> x,
      Map<String, double[]> series) {}

  /** A product's row; revenue is null when the product has no price. */
  record Product(
      String department,
      int rank,
      String name,
      long orders,
      long units,
      Double revenue,
      double reorderRate) {}

  record Segment(String name, long size, double recency, double frequency, double monetary) {}

  record Predictions(long rows, long users, long[] bins, Map<String, Long> versions) {}

  private final LakeSql lake;

  LakeFigures(LakeSql lake) {
    this.lake = lake;
  }

  /** Whether a table has any files (an empty view otherwise). */
  boolean has(String table) {
    return lake.tables().stream().anyMatch(t -> t.name().equals(table) && t.files() > 0);
  }

  Sales sales() throws SQLException {
    String t = "consumption_daily_department_sales";
    if (!has(t)) {
      return null;
    }
    try (Statement st = lake.connection().createStatement()) {
      LocalDate first;
      LocalDate last;
      long rows;
      double revenue;
      long items;
      int departments;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT CAST(min(date) AS VARCHAR), CAST(max(date) AS VARCHAR), count(*),"
                  + " round(sum(revenue), 2), coalesce(sum(items), 0), count(DISTINCT department) FROM "
                  + t
                  + " WHERE date IS NOT NULL")) {
        rs.next();
        rows = rs.getLong(3);
        if (rows == 0) {
          return null;
        }
        first = LocalDate.parse(rs.getString(1));
        last = LocalDate.parse(rs.getString(2));
        revenue = rs.getDouble(4);
        items = rs.getLong(5);
        departments = rs.getInt(6);
      }
      long span = ChronoUnit.DAYS.between(first, last) + 1;
      // One point per day reads as noise over years of a few orders a day: weeks or months then.
      String bucket = span <= 120 ? "day" : span <= 3 * 366 ? "week" : "month";
      LocalDate start =
          switch (bucket) {
            // 7-day periods that end on the last day, so that the last point is a whole week
            case "week" -> last.minusDays(7 * ((span + 6) / 7) - 1);
            case "month" -> first.withDayOfMonth(1);
            default -> first;
          };
      List<LocalDate> x = new ArrayList<>();
      for (LocalDate d = start; !d.isAfter(last); d = next(d, bucket)) {
        x.add(d);
      }
      List<String> top = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT coalesce(department, '(none)') AS d, sum(coalesce(revenue, 0)) AS r FROM "
                  + t
                  + " WHERE date IS NOT NULL GROUP BY 1 ORDER BY r DESC, d")) {
        while (rs.next()) {
          top.add(rs.getString(1));
        }
      }
      boolean other = top.size() > TOP_DEPARTMENTS + 1;
      if (other) {
        top = top.subList(0, TOP_DEPARTMENTS);
      }
      Map<String, double[]> series = new LinkedHashMap<>();
      top.forEach(d -> series.put(d, new double[x.size()]));
      if (other) {
        series.put("other", new double[x.size()]);
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT CAST(date AS VARCHAR), coalesce(department, '(none)'), sum(coalesce(revenue, 0))"
                  + " FROM "
                  + t
                  + " WHERE date IS NOT NULL GROUP BY 1, 2")) {
        while (rs.next()) {
          double[] line = series.get(rs.getString(2));
          if (line == null) {
            line = series.get("other");
          }
          LocalDate day = LocalDate.parse(rs.getString(1));
          long i =
              switch (bucket) {
                case "week" -> ChronoUnit.DAYS.between(start, day) / 7;
                case "month" -> ChronoUnit.MONTHS.between(start, day.withDayOfMonth(1));
                default -> ChronoUnit.DAYS.between(start, day);
              };
          line[(int) i] += rs.getDouble(3);
        }
      }
      return new Sales(
          bucket, first, last, rows, revenue, items, departments, List.copyOf(x), series);
    }
  }

  private static LocalDate next(LocalDate d, String bucket) {
    return switch (bucket) {
      case "week" -> d.plusWeeks(1);
      case "month" -> d.plusMonths(1);
      default -> d.plusDays(1);
    };
  }

  /** The top products of each department by units, departments by their revenue (highest first). */
  List<Product> topProducts() throws SQLException {
    String t = "consumption_product_performance";
    if (!has(t)) {
      return null;
    }
    List<Product> out = new ArrayList<>();
    try (Statement st = lake.connection().createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT d, rank_in_department, product_name, orders, units, revenue, reorder_rate FROM ("
                    + " SELECT coalesce(department, '(none)') AS d, rank_in_department, product_name, orders, units, revenue, reorder_rate,"
                    + " sum(revenue) OVER (PARTITION BY coalesce(department, '(none)')) AS dr FROM "
                    + t
                    + ")"
                    + " WHERE rank_in_department <= "
                    + TOP_PRODUCTS
                    + " ORDER BY dr DESC NULLS LAST, d, rank_in_department")) {
      while (rs.next()) {
        double revenue = rs.getDouble(6);
        Double known = rs.wasNull() ? null : revenue;
        out.add(
            new Product(
                rs.getString(1),
                rs.getInt(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getLong(5),
                known,
                rs.getDouble(7)));
      }
    }
    return out.isEmpty() ? null : out;
  }

  /** Per RFM segment its size and mean recency, frequency and monetary value, largest first. */
  List<Segment> segments() throws SQLException {
    String t = "consumption_customer_segments";
    if (!has(t)) {
      return null;
    }
    List<Segment> out = new ArrayList<>();
    try (Statement st = lake.connection().createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT coalesce(segment, '(none)') AS s, count(*) AS n, avg(recency), avg(frequency),"
                    + " avg(monetary) FROM "
                    + t
                    + " GROUP BY 1 ORDER BY n DESC, s")) {
      while (rs.next()) {
        out.add(
            new Segment(
                rs.getString(1), rs.getLong(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5)));
      }
    }
    return out.isEmpty() ? null : out;
  }

  /** The predicted probabilities in {@link #BINS} bins, and the rows per model version. */
  Predictions predictions() throws SQLException {
    String t = "consumption_reorder_predictions";
    if (!has(t)) {
      return null;
    }
    long[] bins = new long[BINS];
    Map<String, Long> versions = new LinkedHashMap<>();
    long rows;
    long users;
    try (Statement st = lake.connection().createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT user_id) FROM " + t)) {
        rs.next();
        rows = rs.getLong(1);
        users = rs.getLong(2);
      }
      if (rows == 0) {
        return null;
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT CAST(greatest(0, least(floor(probability * "
                  + BINS
                  + "), "
                  + (BINS - 1)
                  + ")) AS INTEGER), count(*) FROM "
                  + t
                  + " WHERE probability IS NOT NULL GROUP BY 1")) {
        while (rs.next()) {
          bins[rs.getInt(1)] = rs.getLong(2);
        }
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT coalesce(model_version, '(none)') AS v, count(*) AS n FROM "
                  + t
                  + " GROUP BY 1 ORDER BY n DESC, v")) {
        while (rs.next()) {
          versions.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return new Predictions(rows, users, bins, versions);
  }
}
