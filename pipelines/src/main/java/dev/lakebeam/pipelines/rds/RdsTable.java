package dev.lakebeam.pipelines.rds;

import dev.lakebeam.transforms.records.SourceDataset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operational tables the backfill reads (schema {@code shop}, sample-data/rds/schema.sql):
 * an allow-list. Table and column names in SQL come only from here, never from options; values
 * (key ranges, dates) are always bind parameters.
 */
public enum RdsTable {
  DEPARTMENTS("departments", SourceDataset.DEPARTMENTS, "department_id", null,
      cols("department_id", "integer", "department", "text", "updated_at", "timestamp")),
  AISLES("aisles", SourceDataset.AISLES, "aisle_id", null,
      cols("aisle_id", "integer", "aisle", "text", "updated_at", "timestamp")),
  PRODUCTS("products", SourceDataset.PRODUCTS, "product_id", null,
      cols("product_id", "integer", "product_name", "text", "aisle_id", "integer", "department_id", "integer",
          "unit_price", "numeric", "updated_at", "timestamp")),
  CUSTOMERS("customers", SourceDataset.CUSTOMERS, "customer_id", null,
      cols("customer_id", "integer", "full_name", "text", "email", "text", "phone", "text", "country", "text",
          "tier", "text", "updated_at", "timestamp")),
  ORDERS("orders", SourceDataset.ORDERS, "order_id", "t.order_ts",
      cols("order_id", "integer", "user_id", "integer", "eval_set", "text", "order_number", "integer",
          "order_dow", "integer", "order_hour_of_day", "integer", "days_since_prior_order", "integer",
          "order_ts", "timestamp", "updated_at", "timestamp")),
  ORDER_LINES("order_lines", SourceDataset.ORDER_LINES, "order_id", "o.order_ts",
      cols("order_id", "integer", "product_id", "integer", "add_to_cart_order", "integer", "reordered", "integer",
          "quantity", "integer", "updated_at", "timestamp")),
  FEEDBACK("feedback", SourceDataset.FEEDBACK, null, "t.submitted_at",
      cols("feedback_id", "text", "store_id", "integer", "rating", "integer", "comment", "text", "email", "text",
          "submitted_at", "timestamp", "updated_at", "timestamp"));

  public static final String SCHEMA = "shop";

  private final String table;
  private final SourceDataset dataset;
  private final String partitionKey;
  private final String eventTime;
  private final Map<String, String> columns;

  RdsTable(String table, SourceDataset dataset, String partitionKey, String eventTime, Map<String, String> columns) {
    this.table = table;
    this.dataset = dataset;
    this.partitionKey = partitionKey;
    this.eventTime = eventTime;
    this.columns = columns;
  }

  private static Map<String, String> cols(String... nameType) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameType.length; i += 2) {
      m.put(nameType[i], nameType[i + 1]);
    }
    return m;
  }

  /**
   * The tables a comma-separated list names, in the enum's order. Each name must be one of the
   * allow-list exactly (lower case, no schema, no quoting): anything else is refused before any
   * SQL is built, so an option can never inject an identifier.
   */
  public static java.util.Set<RdsTable> named(String list) {
    java.util.Set<RdsTable> out = java.util.EnumSet.noneOf(RdsTable.class);
    for (String name : list.split(",", -1)) {
      RdsTable t = java.util.Arrays.stream(values()).filter(v -> v.table.equals(name.trim())).findFirst().orElse(null);
      if (t == null) {
        throw new IllegalArgumentException("'" + name.replaceAll("\\p{Cntrl}", "?") + "' is not a table lakebeam reads; valid: "
            + String.join(", ", java.util.Arrays.stream(values()).map(RdsTable::table).toList()));
      }
      out.add(t);
    }
    return out;
  }

  public String table() {
    return table;
  }

  public String qualified() {
    return SCHEMA + "." + table;
  }

  public SourceDataset dataset() {
    return dataset;
  }

  /** An integer column to split the read on, or null (read in one piece). */
  public String partitionKey() {
    return partitionKey;
  }

  /** Whether the query takes an event-time range. */
  public boolean hasEventTime() {
    return eventTime != null;
  }

  /** Column name → kind: integer, text, numeric or timestamp. */
  public Map<String, String> columns() {
    return columns;
  }

  /**
   * The extract query in key order, resuming after a key when {@code resume} is set.
   * Parameters: key range [?, ?) when partitioned, then event time [?, ?) when the table has one,
   * then the last key read (one value per key column) when resuming.
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
      sql.append(" AND (").append(String.join(", ", keys)).append(") > (")
          .append(String.join(", ", keys.stream().map(k -> "?").toList())).append(")");
    }
    sql.append(" ORDER BY ").append(String.join(", ", keys));
    return sql.toString();
  }

  /** The extract query without order; see {@link #query(boolean)}. */
  public String query() {
    StringBuilder sql = new StringBuilder("SELECT ");
    sql.append(String.join(", ", columns.keySet().stream().map(c -> "t." + c).toList()));
    sql.append(" FROM ").append(qualified()).append(" t");
    if (this == ORDER_LINES) {
      sql.append(" JOIN ").append(SCHEMA).append(".orders o ON o.order_id = t.order_id");
    }
    sql.append(" WHERE TRUE");
    if (partitionKey != null) {
      sql.append(" AND t.").append(partitionKey).append(" >= ? AND t.").append(partitionKey).append(" < ?");
    }
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
    String join = this == ORDER_LINES ? " JOIN " + SCHEMA + ".orders o ON o.order_id = t.order_id" : "";
    return "SELECT DISTINCT to_char(" + eventTime + " AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM " + qualified() + " t" + join
        + " WHERE t.updated_at > ? AND t.updated_at <= ?";
  }

  /** The query for the bounds of the partition key. */
  public String boundsQuery() {
    return "SELECT min(" + partitionKey + "), max(" + partitionKey + ") FROM " + qualified();
  }

  /** The key columns of a row, for its source reference. */
  public java.util.List<String> refColumns() {
    return dataset.keyFields();
  }
}
