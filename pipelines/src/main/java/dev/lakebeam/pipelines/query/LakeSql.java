package dev.lakebeam.pipelines.query;

import dev.lakebeam.schemas.AthenaDdl;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.Zone;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A local lake as Athena would show it: an embedded DuckDB in which every table of the Athena DDL
 * is a view of the same name, with the same columns, types and partition columns, over the lake's
 * Parquet files. A dataset with no files yet is an empty view, as a projected table in Athena is.
 */
public final class LakeSql implements AutoCloseable {
  /**
   * The schema the views live in, also the default one: {@code lakebeam.clean_orders} and {@code
   * clean_orders} both work.
   */
  public static final String DATABASE = "lakebeam";

  /** A registered table: its name, the file pattern it reads, and how many files match. */
  public record Table(String name, Dataset dataset, String pattern, long files) {}

  private final Connection connection;
  private final Map<String, Table> tables = new LinkedHashMap<>();

  private LakeSql(Connection connection) {
    this.connection = connection;
  }

  /**
   * Opens the lake whose zones are at {@code zoneUri}.
   *
   * @throws IllegalArgumentException when a zone is not on this machine, or no zone exists yet
   */
  public static LakeSql open(Function<Zone, String> zoneUri) throws SQLException {
    Map<Zone, Path> zones = new LinkedHashMap<>();
    for (Zone z : List.of(Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION)) {
      zones.put(z, localPath(zoneUri.apply(z)));
    }
    if (zones.values().stream().noneMatch(Files::isDirectory)) {
      throw new IllegalArgumentException(
          "no lake here: none of "
              + zones.values().stream().map(Path::toString).collect(Collectors.joining(", "))
              + " exists (run 'lakebeam backfill' first, or pass --lake=file:///path/to/lake)");
    }
    Connection c = DriverManager.getConnection("jdbc:duckdb:");
    LakeSql lake = new LakeSql(c);
    try (Statement st = c.createStatement()) {
      st.execute("SET TimeZone='UTC'");
      st.execute("CREATE SCHEMA " + DATABASE);
      st.execute("SET schema='" + DATABASE + "'");
      for (Dataset d : Dataset.values()) {
        lake.register(st, d, zones.get(d.zone()));
      }
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
    return lake;
  }

  private static Path localPath(String uri) {
    if (uri.startsWith("file:")) {
      return Path.of(URI.create(uri)).toAbsolutePath().normalize();
    }
    if (uri.contains("://")) {
      throw new IllegalArgumentException(
          "query reads a lake on this machine (file://), not "
              + uri
              + "; in AWS run the statements of 'lakebeam ddl' in Athena, or copy the lake here first (aws s3 sync)");
    }
    return Path.of(uri).toAbsolutePath().normalize();
  }

  /** The Parquet files of a dataset under its zone folder, by the dataset's partition layout. */
  static String pattern(Dataset d, Path zone) {
    if (d == Dataset.REJECTS) {
      return zone.resolve(Dataset.REJECTED_DIR)
          + "/*/"
          + Partitioning.ingestDate("*")
          + "/*.parquet";
    }
    Path dir = zone.resolve(d.datasetName());
    return switch (d.partitioning()) {
      case EVENT_DATE -> dir + "/year=*/month=*/day=*/*.parquet";
      case AS_OF -> dir + "/as_of=*/*.parquet";
      case NONE -> dir + "/*.parquet";
    };
  }

  private void register(Statement st, Dataset d, Path zone) throws SQLException {
    String name = AthenaDdl.tableName(d);
    String pattern = pattern(d, zone);
    long files;
    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM glob(" + literal(pattern) + ")")) {
      rs.next();
      files = rs.getLong(1);
    }
    List<String> select = new ArrayList<>();
    String from;
    if (files == 0) {
      for (AthenaDdl.Column c : AthenaDdl.columns(d)) {
        select.add("CAST(NULL AS " + duckType(c.type()) + ") AS " + ident(c.name()));
      }
      for (AthenaDdl.Column c : AthenaDdl.partitionColumns(d)) {
        select.add("CAST(NULL AS VARCHAR) AS " + ident(c.name()));
      }
      from = " WHERE false";
    } else {
      String read =
          "read_parquet("
              + literal(pattern)
              + ", union_by_name=true, filename=true, hive_partitioning=true, hive_types_autocast=false)";
      Map<String, String> present = fileColumns(st, pattern);
      for (AthenaDdl.Column c : AthenaDdl.columns(d)) {
        // Files of an older schema may spell a renamed column by its old name (an Avro alias); a
        // column no file has reads as NULL, as in Athena.
        List<String> names = new ArrayList<>(List.of(c.name()));
        names.addAll(d.avroSchema().getField(c.name()).aliases());
        List<String> found =
            names.stream().filter(present::containsKey).map(LakeSql::ident).toList();
        String value =
            found.isEmpty()
                ? "NULL"
                : found.size() == 1 ? found.get(0) : "COALESCE(" + String.join(", ", found) + ")";
        select.add("CAST(" + value + " AS " + duckType(c.type()) + ") AS " + ident(c.name()));
      }
      for (AthenaDdl.Column c : AthenaDdl.partitionColumns(d)) {
        select.add(
            c.name().equals("dataset_partition")
                ? "regexp_extract(filename, '/"
                    + Dataset.REJECTED_DIR
                    + "/([^/]+)/"
                    + Partitioning.INGEST_DATE
                    + "=', 1) AS dataset_partition"
                : "CAST(" + ident(c.name()) + " AS VARCHAR) AS " + ident(c.name()));
      }
      from = " FROM " + read;
    }
    st.execute("CREATE VIEW " + ident(name) + " AS SELECT " + String.join(", ", select) + from);
    tables.put(name, new Table(name, d, pattern, files));
  }

  /**
   * The columns the files of a pattern hold, with DuckDB's type for each (the files' own, uncast).
   */
  public Map<String, String> fileColumns(String pattern) throws SQLException {
    try (Statement st = connection.createStatement()) {
      return fileColumns(st, pattern);
    }
  }

  private static Map<String, String> fileColumns(Statement st, String pattern) throws SQLException {
    Map<String, String> cols = new LinkedHashMap<>();
    try (ResultSet rs =
        st.executeQuery(
            "DESCRIBE SELECT * FROM read_parquet(" + literal(pattern) + ", union_by_name=true)")) {
      while (rs.next()) {
        cols.put(rs.getString("column_name"), rs.getString("column_type"));
      }
    }
    return cols;
  }

  /** DuckDB's type for an Athena (Hive DDL) type. */
  static String duckType(String athena) {
    String t = athena.toLowerCase(Locale.ROOT);
    if (t.startsWith("decimal(")) {
      return t.toUpperCase(Locale.ROOT);
    }
    if (t.startsWith("array<") && t.endsWith(">")) {
      return duckType(t.substring(6, t.length() - 1)) + "[]";
    }
    return switch (t) {
      case "string" -> "VARCHAR";
      case "int" -> "INTEGER";
      case "bigint" -> "BIGINT";
      case "float" -> "FLOAT";
      case "double" -> "DOUBLE";
      case "boolean" -> "BOOLEAN";
      case "timestamp" -> "TIMESTAMP";
      case "date" -> "DATE";
      case "binary" -> "BLOB";
      default -> throw new IllegalArgumentException("no DuckDB type for the Athena type " + athena);
    };
  }

  /** The registered tables, in the DDL's order. */
  public List<Table> tables() {
    return List.copyOf(tables.values());
  }

  /** The row count of a registered table (from the Parquet footers where DuckDB can). */
  public long rowCount(Table t) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + ident(t.name()))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public Connection connection() {
    return connection;
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }

  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  static String ident(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
