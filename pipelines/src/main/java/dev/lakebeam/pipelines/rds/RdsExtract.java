package dev.lakebeam.pipelines.rds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.pipelines.options.JdbcOptions;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RawRecord;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Reads one operational table as raw records (one JSON object per row, the shape the JSON parser
 * reads), in key ranges read in parallel ({@link ReadRangesFn}: streamed with autocommit off and a
 * fetch size, resumed after a lost connection).
 */
public final class RdsExtract extends PTransform<PBegin, PCollection<Row>> {
  private static final Timestamp MIN = Timestamp.from(Instant.parse("0001-01-01T00:00:00Z"));
  private static final Timestamp MAX = Timestamp.from(Instant.parse("9999-12-31T00:00:00Z"));

  private final RdsTable table;
  private final String url;
  private final String user;
  private final String password;
  private final List<KV<Long, Long>> ranges;
  private final long fromMillis;
  private final long toMillis;
  private final int fetchSize;
  private Long windowStartMicros;
  private Long windowEndMicros;
  private int maxAttempts = 5;
  private long firstBackoffMillis = 1_000;

  private RdsExtract(
      RdsTable table,
      String url,
      String user,
      String password,
      List<KV<Long, Long>> ranges,
      long fromMillis,
      long toMillis,
      int fetchSize) {
    this.table = table;
    this.url = url;
    this.user = user;
    this.password = password;
    this.ranges = ranges;
    this.fromMillis = fromMillis;
    this.toMillis = toMillis;
    this.fetchSize = fetchSize;
  }

  /**
   * Reads only rows with updated_at in (start, end]: an incremental run. A null start reads
   * everything up to end.
   */
  public RdsExtract changedBetween(Instant start, Instant end) {
    this.windowStartMicros = micros(start == null ? MIN.toInstant() : start);
    this.windowEndMicros = micros(end);
    return this;
  }

  /** Microseconds since the epoch: PostgreSQL's precision, so a bookmark never cuts a row off. */
  static long micros(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
  }

  /** Retries of a range after a lost connection: attempts in all, and the first wait (doubling). */
  public RdsExtract withRetries(int maxAttempts, long firstBackoffMillis) {
    this.maxAttempts = maxAttempts;
    this.firstBackoffMillis = firstBackoffMillis;
    return this;
  }

  /**
   * Plans the read of a table: checks it exists with the expected column types, and splits its key
   * range into {@code partitions} pieces.
   *
   * @param from first event date (inclusive) or null
   * @param to last event date (inclusive) or null
   */
  public static RdsExtract plan(
      Connection c,
      JdbcOptions db,
      RdsTable table,
      int partitions,
      LocalDate from,
      LocalDate to,
      int fetchSize)
      throws SQLException {
    checkColumns(c, table);
    List<KV<Long, Long>> ranges = new ArrayList<>();
    if (table.partitionKey() == null) {
      ranges.add(KV.of(0L, 0L));
    } else {
      try (PreparedStatement ps = c.prepareStatement(table.boundsQuery());
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        long lo = rs.getLong(1);
        boolean empty = rs.wasNull();
        long hi = rs.getLong(2) + 1;
        if (!empty) {
          long step = Math.max(1, (hi - lo + partitions - 1) / partitions);
          for (long a = lo; a < hi; a += step) {
            ranges.add(KV.of(a, Math.min(hi, a + step)));
          }
        }
      }
    }
    long fromMillis =
        from == null ? MIN.getTime() : from.atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    long toMillis =
        to == null
            ? MAX.getTime()
            : to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    return new RdsExtract(
        table,
        db.getJdbcUrl(),
        db.getJdbcUser(),
        Jdbc.password(db),
        ranges,
        fromMillis,
        toMillis,
        fetchSize);
  }

  /** How many key values the planned ranges span (order ids, for order lines): a size estimate. */
  public long keySpan() {
    return ranges.stream().mapToLong(r -> r.getValue() - r.getKey()).sum();
  }

  /** Fails with a clear message when the table is missing or a column has the wrong type. */
  static void checkColumns(Connection c, RdsTable table) throws SQLException {
    Map<String, String> found = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?")) {
      ps.setString(1, RdsTable.SCHEMA);
      ps.setString(2, table.table());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    if (found.isEmpty()) {
      throw new SQLException(
          "table "
              + table.qualified()
              + " does not exist (or is not visible to this user); "
              + "load it with seed-rds, or point --jdbcUrl at the operational database");
    }
    for (Map.Entry<String, String> col : table.columns().entrySet()) {
      String type = found.get(col.getKey());
      if (type == null) {
        throw new SQLException(
            "column " + table.qualified() + "." + col.getKey() + " does not exist");
      }
      if (!accepted(col.getValue()).contains(type)) {
        throw new SQLException(
            "column "
                + table.qualified()
                + "."
                + col.getKey()
                + " is "
                + type
                + ", expected "
                + col.getValue()
                + " ("
                + String.join(" or ", accepted(col.getValue()))
                + ")");
      }
    }
  }

  private static Set<String> accepted(String kind) {
    switch (kind) {
      case "integer":
        return Set.of("integer", "smallint", "bigint");
      case "numeric":
        return Set.of("numeric", "double precision", "real");
      case "timestamp":
        return Set.of("timestamp with time zone", "timestamp without time zone");
      default:
        return Set.of("text", "character varying", "character");
    }
  }

  public RdsTable table() {
    return table;
  }

  @Override
  public PCollection<Row> expand(PBegin begin) {
    long f = fromMillis;
    long t = toMillis;
    return begin
        .apply(
            "Ranges of " + table.table(),
            Create.of(ranges).withCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of())))
        .apply(
            "Extract " + table.table(),
            ParDo.of(
                new ReadRangesFn(
                    table,
                    url,
                    user,
                    password,
                    f,
                    t,
                    windowStartMicros,
                    windowEndMicros,
                    fetchSize,
                    maxAttempts,
                    firstBackoffMillis)))
        .setCoder(SchemaCoder.of(RawRecord.SCHEMA));
  }

  /** A result row as a JSON object in the parse schema's field names, with its source reference. */
  static final class ToRaw implements JdbcIO.RowMapper<Row> {
    private final RdsTable table;
    private final Progress in;
    private transient ObjectMapper json;

    ToRaw(RdsTable table) {
      this.table = table;
      this.in = Progress.counter(Accounting.IN + table.dataset().sourceName());
    }

    @Override
    public Row mapRow(ResultSet rs) throws SQLException {
      if (json == null) {
        json = new ObjectMapper();
      }
      ObjectNode o = json.createObjectNode();
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        String name = md.getColumnLabel(i);
        Object v = rs.getObject(i);
        if (v == null) {
          o.putNull(name);
          continue;
        }
        switch (md.getColumnType(i)) {
          case Types.TIMESTAMP:
          case Types.TIMESTAMP_WITH_TIMEZONE:
            o.put(name, rs.getTimestamp(i).toInstant().toString());
            break;
          case Types.NUMERIC:
          case Types.DECIMAL:
            o.put(name, rs.getBigDecimal(i));
            break;
          case Types.INTEGER:
          case Types.SMALLINT:
          case Types.BIGINT:
            o.put(name, rs.getLong(i));
            break;
          case Types.DOUBLE:
          case Types.REAL:
          case Types.FLOAT:
            o.put(name, rs.getDouble(i));
            break;
          default:
            o.put(name, rs.getString(i));
        }
      }
      StringBuilder ref = new StringBuilder(table.qualified()).append(':');
      for (String k : table.refColumns()) {
        if (ref.charAt(ref.length() - 1) != ':') {
          ref.append(',');
        }
        ref.append(k).append('=').append(o.get(k).asText());
      }
      String payload;
      try {
        payload = json.writeValueAsString(o);
      } catch (IOException e) {
        throw new SQLException("cannot render a row of " + table.qualified() + " as JSON", e);
      }
      in.inc();
      return RawRecord.of(table.dataset(), "rds", ref.toString(), null, payload);
    }
  }
}
