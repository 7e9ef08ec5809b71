package dev.lakebeam.pipelines.rds;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads key ranges of a table, streaming (autocommit off, a fetch size), in key order. When the
 * connection is lost mid-read (SQLState class 08, or the server shutting the session down), it
 * waits with exponential backoff and resumes after the last key it emitted, so no row is lost or
 * read twice; after the last attempt the error fails the run. Other errors fail at once.
 */
final class ReadRangesFn extends DoFn<KV<Long, Long>, Row> {
  private static final Logger LOG = LoggerFactory.getLogger(ReadRangesFn.class);

  private final RdsTable table;
  private final String url;
  private final String user;
  private final String password;
  private final long fromMillis;
  private final long toMillis;
  private final Long windowStartMicros;
  private final Long windowEndMicros;
  private final int fetchSize;
  private final int maxAttempts;
  private final long firstBackoffMillis;
  private final RdsExtract.ToRaw mapper;
  private final Counter retries;

  ReadRangesFn(
      RdsTable table,
      String url,
      String user,
      String password,
      long fromMillis,
      long toMillis,
      Long windowStartMicros,
      Long windowEndMicros,
      int fetchSize,
      int maxAttempts,
      long firstBackoffMillis) {
    this.windowStartMicros = windowStartMicros;
    this.windowEndMicros = windowEndMicros;
    this.table = table;
    this.url = url;
    this.user = user;
    this.password = password;
    this.fromMillis = fromMillis;
    this.toMillis = toMillis;
    this.fetchSize = fetchSize;
    this.maxAttempts = maxAttempts;
    this.firstBackoffMillis = firstBackoffMillis;
    this.mapper = new RdsExtract.ToRaw(table);
    this.retries = Metrics.counter("lakebeam", "rds.retries." + table.table());
  }

  @ProcessElement
  public void process(@Element KV<Long, Long> range, OutputReceiver<Row> out) throws Exception {
    List<Object> lastKey = null;
    long backoff = firstBackoffMillis;
    for (int attempt = 1; ; attempt++) {
      try (Connection c = connect()) {
        c.setAutoCommit(false);
        boolean window = windowEndMicros != null;
        try (PreparedStatement ps = c.prepareStatement(table.query(lastKey != null, window))) {
          ps.setFetchSize(fetchSize);
          int i = 1;
          if (table.partitionKey() != null) {
            ps.setLong(i++, range.getKey());
            ps.setLong(i++, range.getValue());
          }
          if (table.hasEventTime()) {
            ps.setTimestamp(i++, new java.sql.Timestamp(fromMillis));
            ps.setTimestamp(i++, new java.sql.Timestamp(toMillis));
          }
          if (window) {
            ps.setTimestamp(i++, timestamp(windowStartMicros));
            ps.setTimestamp(i++, timestamp(windowEndMicros));
          }
          if (lastKey != null) {
            for (Object k : lastKey) {
              ps.setObject(i++, k);
            }
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Row raw = mapper.mapRow(rs);
              List<Object> key = new ArrayList<>();
              for (String k : table.refColumns()) {
                key.add(rs.getObject(k));
              }
              out.output(raw);
              lastKey = key;
            }
          }
          c.commit();
          return;
        }
      } catch (SQLException e) {
        if (!transientFailure(e) || attempt >= maxAttempts) {
          throw new SQLException(
              "reading "
                  + table.qualified()
                  + " failed after "
                  + attempt
                  + " attempt(s): "
                  + e.getMessage(),
              e.getSQLState(),
              e);
        }
        retries.inc();
        LOG.warn(
            "reading {} lost its connection ({}); retry {} of {} in {} ms, resuming after key {}",
            table.qualified(),
            e.getMessage(),
            attempt,
            maxAttempts - 1,
            backoff,
            lastKey);
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  static java.sql.Timestamp timestamp(long micros) {
    return java.sql.Timestamp.from(
        Instant.ofEpochSecond(
            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L));
  }

  private Connection connect() throws SQLException {
    return Jdbc.connect(url, user, password);
  }

  /** Connection lost or refused, or the session ended by the server: worth another try. */
  static boolean transientFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03")) {
          return true;
        }
      }
    }
    return false;
  }
}
