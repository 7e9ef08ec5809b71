package dev.lakebeam.pipelines.rds;

import dev.lakebeam.schemas.Cents;
import dev.lakebeam.schemas.SourceDataset;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;

/**
 * An operational table the backfill reads (schema {@code shop}, sample-data/rds/schema.sql), as its
 * source's definition ({@link SourceDataset#table()}) gives it: an allow-list. Table and column
 * names in SQL come only from there, never from options; values (key ranges, dates) are always bind
 * parameters.
 */
public record RdsTable(SourceDataset dataset) implements Serializable {
  public static final String SCHEMA = "shop";

  public RdsTable {
    if (dataset.table().isEmpty()) {
      throw new IllegalArgumentException(dataset.sourceName() + " has no table in the database");
    }
  }

  /** Every table, in the sources' order. */
  public static List<RdsTable> all() {
    return SourceDataset.tables().stream().map(RdsTable::new).toList();
  }

  /**
   * The tables a comma-separated list names, in the sources' order. Each name must be one of the
   * allow-list exactly (lower case, no schema, no quoting): anything else is refused before any SQL
   * is built, so an option can never inject an identifier.
   */
  public static Set<RdsTable> named(String list) {
    Set<RdsTable> picked = new LinkedHashSet<>();
    for (String name : list.split(",", -1)) {
      RdsTable t =
          all().stream().filter(v -> v.table().equals(name.trim())).findFirst().orElse(null);
      if (t == null) {
        throw new IllegalArgumentException(
            "'"
                + name.replaceAll("\\p{Cntrl}", "?")
                + "' is not a table lakebeam reads; valid: "
                + String.join(", ", all().stream().map(RdsTable::table).toList()));
      }
      picked.add(t);
    }
    Set<RdsTable> out = new LinkedHashSet<>();
    all().stream().filter(picked::contains).forEach(out::add);
    return out;
  }

  private SourceDataset.Table definition() {
    return dataset.table().orElseThrow();
  }

  public String table() {
    return definition().name();
  }

  public String qualified() {
    return SCHEMA + "." + table();
  }

  /** An integer column to split the read on, or null (read in one piece). */
  public String partitionKey() {
    return definition().splitKey();
  }

  /** Whether the query takes an event-time range. */
  public boolean hasEventTime() {
    return definition().eventTime() != null;
  }

  /**
   * The event-time column in SQL: the table's own, or, for a table without that column (order
   * lines), its order's through {@link #orderJoin()}.
   */
  private String eventTime() {
    String column = definition().eventTime();
    return column == null ? null : columns().containsKey(column) ? "t." + column : "o." + column;
  }

  /** The join to the orders that gives a table without its own event-time column its order's. */
  private String orderJoin() {
    String column = definition().eventTime();
    return column == null || columns().containsKey(column)
        ? ""
        : " JOIN " + SCHEMA + ".orders o ON o.order_id = t.order_id";
  }

  /**
   * Column name → kind (integer, text, numeric or timestamp): the parse schema's fields, then
   * updated_at.
   */
  public Map<String, String> columns() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Schema.Field f : dataset.parseSchema().getFields()) {
      out.put(f.getName(), kind(f.getType()));
    }
    out.putIfAbsent("updated_at", "timestamp");
    return out;
  }

  private static String kind(Schema.FieldType type) {
    if (Cents.is(type)) {
      return "numeric";
    }
    return switch (type.getTypeName()) {
      case INT16, INT32, INT64, BYTE -> "integer";
      case DECIMAL, DOUBLE, FLOAT -> "numeric";
      case DATETIME -> "timestamp";
      case STRING -> "text";
      default -> throw new IllegalStateException("no column kind for " + type);
    };
  }

  /**
   * The extract query in key order, resuming after a key when {@code resume} is set. Parameters:
   * key range [?, ?) when partitioned, then event time [?, ?) when the table has one, then the last
   * key read (one value per key column) when resuming.
   */
  public String query(boolean resume) {
    return query(resume, false);
  }

  /**
   * As {@link #query(boolean)}; with {@code window}, only rows changed in (?, ?] of updated_at
   * (parameters after the event time's, before the resume key's).
   */
  public String query(boolean resume, boolean window) {
    StringBuilder sql = new StringBuilder(query());
    if (window) {
      sql.append(" AND t.updated_at > ? AND t.updated_at <= ?");
    }
    List<String> keys = refColumns().stream().map(k -> "t." + k).toList();
    if (resume) {
      sql.append(" AND (")
          .append(String.join(", ", keys))
          .append(") > (")
          .append(String.join(", ", keys.stream().map(k -> "?").toList()))
          .append(")");
    }
    sql.append(" ORDER BY ").append(String.join(", ", keys));
    return sql.toString();
  }

  /** The extract query without order; see {@link #query(boolean)}. */
  public String query() {
    StringBuilder sql = new StringBuilder("SELECT ");
    sql.append(String.join(", ", columns().keySet().stream().map(c -> "t." + c).toList()));
    sql.append(" FROM ").append(qualified()).append(" t").append(orderJoin());
    sql.append(" WHERE TRUE");
    String key = partitionKey();
    if (key != null) {
      sql.append(" AND t.").append(key).append(" >= ? AND t.").append(key).append(" < ?");
    }
    String eventTime = eventTime();
    if (eventTime != null) {
      sql.append(" AND ").append(eventTime).append(" >= ? AND ").append(eventTime).append(" < ?");
    }
    return sql.toString();
  }

  /** The latest updated_at of the table: the high-water mark an incremental run reads up to. */
  public String highWaterQuery() {
    return "SELECT max(updated_at) FROM " + qualified();
  }

  /**
   * The UTC event dates (YYYY-MM-DD) of rows changed in (?, ?] of updated_at: the partitions an
   * incremental run rewrites. Only for tables with an event time.
   */
  public String touchedDatesQuery() {
    return "SELECT DISTINCT to_char("
        + eventTime()
        + " AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM "
        + qualified()
        + " t"
        + orderJoin()
        + " WHERE t.updated_at > ? AND t.updated_at <= ?";
  }

  /** The query for the bounds of the partition key. */
  public String boundsQuery() {
    return "SELECT min(" + partitionKey() + "), max(" + partitionKey() + ") FROM " + qualified();
  }

  /** The key columns of a row, for its source reference. */
  public List<String> refColumns() {
    return dataset.keyFields();
  }
}
