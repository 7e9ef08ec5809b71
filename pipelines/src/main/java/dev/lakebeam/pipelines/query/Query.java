package dev.lakebeam.pipelines.query;

import dev.lakebeam.schemas.Zone;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Function;

/** {@code lakebeam query}: one SQL statement over the lake's tables, or the list of tables. */
public final class Query {
  private final Function<Zone, String> zoneUri;
  private final ResultPrinter.Format format;
  private final PrintStream out;

  public Query(Function<Zone, String> zoneUri, ResultPrinter.Format format, PrintStream out) {
    this.zoneUri = zoneUri;
    this.format = format;
    this.out = out;
  }

  /** Runs the statement and prints its rows (a statement without rows prints nothing). */
  public void run(String sql) throws SQLException {
    try (LakeSql lake = LakeSql.open(zoneUri);
        Statement st = lake.connection().createStatement()) {
      if (st.execute(sql)) {
        try (ResultSet rs = st.getResultSet()) {
          new ResultPrinter(format, out).print(rs);
        }
      }
    }
  }

  /** Prints every table with its rows, files and where its files are. */
  public void tables() throws SQLException {
    try (LakeSql lake = LakeSql.open(zoneUri);
        Connection list = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = list.createStatement()) {
      st.execute(
          "CREATE TABLE t (\"table\" VARCHAR, \"rows\" BIGINT, files BIGINT, location VARCHAR)");
      try (var insert = list.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?)")) {
        for (LakeSql.Table t : lake.tables()) {
          insert.setString(1, t.name());
          insert.setLong(2, lake.rowCount(t));
          insert.setLong(3, t.files());
          insert.setString(4, t.pattern());
          insert.addBatch();
        }
        insert.executeBatch();
      }
      try (ResultSet rs = st.executeQuery("SELECT * FROM t")) {
        new ResultPrinter(format, out).print(rs);
      }
    }
  }
}
