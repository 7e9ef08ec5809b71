package dev.lakebeam.pipelines.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a query's rows as an aligned table, as CSV (RFC 4180) or as JSON lines. */
public final class ResultPrinter {
  /** The output formats of {@code query --format}. */
  public enum Format {
    TABLE,
    CSV,
    JSON;

    /** The format named on the command line, case-insensitively. */
    public static Format of(String name) {
      for (Format f : values()) {
        if (f.name().equalsIgnoreCase(name)) {
          return f;
        }
      }
      throw new IllegalArgumentException("--format takes table, csv or json, was '" + name + "'");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Format format;
  private final PrintStream out;
  private boolean[] timestamp;

  public ResultPrinter(Format format, PrintStream out) {
    this.format = format;
    this.out = out;
  }

  /** Prints every row of the result set and returns how many there were. */
  public long print(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String> names = new ArrayList<>();
    boolean[] numeric = new boolean[n];
    timestamp = new boolean[n];
    for (int i = 1; i <= n; i++) {
      names.add(md.getColumnLabel(i));
      numeric[i - 1] =
          isNumeric(md.getColumnType(i))
              || md.getColumnTypeName(i).matches("(?i)U?(HUGEINT|BIGINT|INTEGER|SMALLINT|TINYINT)");
      timestamp[i - 1] = md.getColumnType(i) == Types.TIMESTAMP;
    }
    return switch (format) {
      case TABLE -> table(rs, names, numeric);
      case CSV -> csv(rs, names);
      case JSON -> json(rs, names, numeric);
    };
  }

  private long table(ResultSet rs, List<String> names, boolean[] numeric) throws SQLException {
    int n = names.size();
    List<String[]> rows = new ArrayList<>();
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      width[i] = names.get(i).length();
    }
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        String v = text(rs, i);
        row[i] =
            v == null ? "NULL" : v.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        width[i] = Math.max(width[i], row[i].length());
      }
      rows.add(row);
    }
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < n; i++) {
      line.append(i == 0 ? "" : " | ").append(pad(names.get(i), width[i], numeric[i]));
    }
    out.println(line.toString().stripTrailing());
    line.setLength(0);
    for (int i = 0; i < n; i++) {
      line.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
    }
    out.println(line);
    for (String[] row : rows) {
      line.setLength(0);
      for (int i = 0; i < n; i++) {
        line.append(i == 0 ? "" : " | ").append(pad(row[i], width[i], numeric[i]));
      }
      out.println(line.toString().stripTrailing());
    }
    out.printf(Locale.ROOT, "(%,d row%s)%n", rows.size(), rows.size() == 1 ? "" : "s");
    return rows.size();
  }

  private long csv(ResultSet rs, List<String> names) throws SQLException {
    out.print(String.join(",", names.stream().map(ResultPrinter::csvField).toList()) + "\r\n");
    long count = 0;
    StringBuilder line = new StringBuilder();
    while (rs.next()) {
      line.setLength(0);
      for (int i = 0; i < names.size(); i++) {
        String v = text(rs, i);
        line.append(i == 0 ? "" : ",").append(v == null ? "" : csvField(v));
      }
      out.print(line.append("\r\n"));
      count++;
    }
    return count;
  }

  private long json(ResultSet rs, List<String> names, boolean[] numeric) throws SQLException {
    long count = 0;
    while (rs.next()) {
      ObjectNode row = JSON.createObjectNode();
      for (int i = 0; i < names.size(); i++) {
        Object v = rs.getObject(i + 1);
        String name = names.get(i);
        if (v == null) {
          row.putNull(name);
        } else if (v instanceof Boolean b) {
          row.put(name, b);
        } else if (numeric[i] && finite(v)) {
          row.put(name, new BigDecimal(rs.getString(i + 1)));
        } else {
          row.put(name, text(rs, i));
        }
      }
      out.println(row);
      count++;
    }
    return count;
  }

  /**
   * A value as text; timestamps as {@code 2025-06-29 10:00:00[.123]} (UTC, the lake's only zone).
   */
  private String text(ResultSet rs, int i) throws SQLException {
    if (timestamp[i]) {
      LocalDateTime t = rs.getObject(i + 1, LocalDateTime.class);
      return t == null ? null : TIMESTAMP.format(t);
    }
    return rs.getString(i + 1);
  }

  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .appendPattern("yyyy-MM-dd HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .toFormatter(Locale.ROOT);

  private static boolean finite(Object v) {
    return !(v instanceof Double d && (d.isNaN() || d.isInfinite()))
        && !(v instanceof Float f && (f.isNaN() || f.isInfinite()));
  }

  /** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
  static String csvField(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  private static boolean isNumeric(int sqlType) {
    return switch (sqlType) {
      case Types.TINYINT,
          Types.SMALLINT,
          Types.INTEGER,
          Types.BIGINT,
          Types.FLOAT,
          Types.REAL,
          Types.DOUBLE,
          Types.DECIMAL,
          Types.NUMERIC ->
          true;
      default -> false;
    };
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(width - s.length());
    return right ? fill + s : s + fill;
  }
}
