package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.io.ParquetFiles;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * --serveJdbc: copies the published consumption tables into PostgreSQL schema {@value #SCHEMA} for
 * a front end, replacing them all in one transaction. Each table is loaded with COPY into a fresh
 * {@code <table>__load}, then the old table is dropped, the new one renamed and its primary key
 * (the dataset's key columns) added; a reader sees the previous run's tables until the commit, and
 * a rerun gives the same tables. A key violation fails the whole load and changes nothing.
 */
final class Serve {
  static final String SCHEMA = "analytics";

  /** The consumption tables of the backfill (the stream's tables are served by the stream). */
  static final List<Dataset> TABLES =
      List.of(
          Dataset.DAILY_DEPARTMENT_SALES,
          Dataset.PRODUCT_PERFORMANCE,
          Dataset.CUSTOMER_SEGMENTS,
          Dataset.REORDER_PREDICTIONS);

  private Serve() {}

  /**
   * @return rows per table
   */
  static Map<String, Long> replace(BackfillOptions o, String consumptionZone)
      throws SQLException, IOException {
    String url = o.getServeJdbc();
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new UsageException(
          "--serveJdbc must be a PostgreSQL URL (jdbc:postgresql://host:port/db), was "
              + Jdbc.redact(url));
    }
    Map<String, Long> rows = new LinkedHashMap<>();
    try (Connection c =
        Jdbc.connect(url, o.getServeJdbcUser(), System.getenv(o.getServeJdbcPasswordEnv()))) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
        for (Dataset d : TABLES) {
          String load = q(d.datasetName() + "__load");
          st.execute("DROP TABLE IF EXISTS " + SCHEMA + "." + load);
          st.execute("CREATE TABLE " + SCHEMA + "." + load + " (" + columns(d.avroSchema()) + ")");
          rows.put(
              d.datasetName(),
              copy(c, SCHEMA + "." + load, d, consumptionZone + "/" + d.datasetName()));
        }
        for (Dataset d : TABLES) {
          String table = q(d.datasetName());
          st.execute("DROP TABLE IF EXISTS " + SCHEMA + "." + table);
          st.execute(
              "ALTER TABLE "
                  + SCHEMA
                  + "."
                  + q(d.datasetName() + "__load")
                  + " RENAME TO "
                  + table);
          st.execute(
              "ALTER TABLE "
                  + SCHEMA
                  + "."
                  + table
                  + " ADD CONSTRAINT "
                  + q(d.datasetName() + "_pkey")
                  + " PRIMARY KEY ("
                  + String.join(", ", d.keyColumns().stream().map(Serve::q).toList())
                  + ")");
        }
        c.commit();
      } catch (SQLException | IOException | RuntimeException e) {
        c.rollback();
        throw new SQLException(
            "serving the consumption tables to "
                + Jdbc.redact(url)
                + " failed, nothing changed: "
                + e.getMessage(),
            e);
      }
    }
    return rows;
  }

  /**
   * Column definitions from the Avro schema: money as numeric(12,2) like the lake, dates,
   * timestamps, NOT NULL unless nullable.
   */
  static String columns(Schema record) {
    List<String> cols = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      Schema t = f.schema();
      boolean nullable = t.getType() == Schema.Type.UNION;
      if (nullable) {
        t =
            t.getTypes().stream()
                .filter(x -> x.getType() != Schema.Type.NULL)
                .findFirst()
                .orElseThrow();
      }
      cols.add(q(f.name()) + " " + sqlType(f.name(), t) + (nullable ? "" : " NOT NULL"));
    }
    return String.join(", ", cols);
  }

  static String sqlType(String name, Schema t) {
    if (t.getLogicalType() instanceof LogicalTypes.Date) {
      return "date";
    }
    if (t.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
      return "timestamptz";
    }
    if (t.getLogicalType() instanceof LogicalTypes.Decimal dec) {
      return "numeric(" + dec.getPrecision() + "," + dec.getScale() + ")";
    }
    switch (t.getType()) {
      case INT:
        return "integer";
      case LONG:
        return "bigint";
      case DOUBLE:
        return "double precision";
      case BOOLEAN:
        return "boolean";
      case STRING:
        return "text";
      default:
        throw new IllegalArgumentException("no SQL type for " + name + ": " + t);
    }
  }

  private static long copy(Connection c, String table, Dataset d, String folder)
      throws SQLException, IOException {
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN");
    List<Schema.Field> fields = d.avroSchema().getFields();
    StringBuilder line = new StringBuilder();
    try {
      long n =
          ParquetFiles.forEach(
              folder,
              g -> {
                line.setLength(0);
                for (int i = 0; i < fields.size(); i++) {
                  if (i > 0) {
                    line.append('\t');
                  }
                  line.append(text(g, fields.get(i)));
                }
                line.append('\n');
                byte[] b = line.toString().getBytes(StandardCharsets.UTF_8);
                try {
                  in.writeToCopy(b, 0, b.length);
                } catch (SQLException e) {
                  throw new IllegalStateException(e.getMessage(), e);
                }
              });
      in.endCopy();
      return n;
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  /** A value in COPY's text format. */
  static String text(GenericRecord g, Schema.Field f) {
    Object v = g.get(f.name());
    if (v == null) {
      return "\\N";
    }
    Schema t = AvroRows.nonNull(f.schema());
    if (t.getLogicalType() instanceof LogicalTypes.Date) {
      return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
    }
    if (t.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
      return Instant.ofEpochMilli(((Number) v).longValue()).toString();
    }
    if (t.getLogicalType() instanceof LogicalTypes.Decimal dec) {
      // a file written before money became a decimal holds a double: rounded to the cent as
      // lakebeam reads it
      return AvroRows.decimal(v, dec.getScale()).toPlainString();
    }
    if (v instanceof Double dv) {
      return BigDecimal.valueOf(dv).toPlainString();
    }
    return v.toString()
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }

  static String q(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
