package dev.lakebeam.schemas;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * The catalog of lake datasets below the raw zone: name, zone, schema, layout and keys. Dataset and
 * key column names are fixed by DESIGN §3; Athena users and the tests rely on them.
 */
public enum Dataset {
  DEPARTMENTS(Zone.CLEAN, "departments", Partitioning.NONE, null, "department_id"),
  AISLES(Zone.CLEAN, "aisles", Partitioning.NONE, null, "aisle_id"),
  PRODUCTS(Zone.CLEAN, "products", Partitioning.NONE, null, "product_id"),
  CUSTOMERS(Zone.CLEAN, "customers", Partitioning.NONE, null, "user_id"),
  ORDERS(Zone.CLEAN, "orders", Partitioning.EVENT_DATE, "order_ts", "order_id"),
  ORDER_LINES(
      Zone.CLEAN, "order_lines", Partitioning.EVENT_DATE, "order_ts", "order_id", "product_id"),
  CLICK_EVENTS(Zone.CLEAN, "click_events", Partitioning.EVENT_DATE, "ts", "event_id"),
  FEEDBACK(Zone.CLEAN, "feedback", Partitioning.EVENT_DATE, "submitted_at", "feedback_id"),
  /** Dead letters: {clean}/_rejected/{dataset}/ingest_date=YYYY-MM-DD/. */
  REJECTS(Zone.CLEAN, "rejects", Partitioning.NONE, "rejected_at"),

  ORDER_LINES_ENRICHED(
      Zone.CURATED,
      "order_lines_enriched",
      Partitioning.EVENT_DATE,
      "order_ts",
      "order_id",
      "product_id"),
  USER_FEATURES(Zone.CURATED, "user_features", Partitioning.AS_OF, null, "user_id"),
  PRODUCT_FEATURES(Zone.CURATED, "product_features", Partitioning.AS_OF, null, "product_id"),
  USER_PRODUCT_FEATURES(
      Zone.CURATED, "user_product_features", Partitioning.AS_OF, null, "user_id", "product_id"),

  DAILY_DEPARTMENT_SALES(
      Zone.CONSUMPTION, "daily_department_sales", Partitioning.NONE, null, "date", "department_id"),
  PRODUCT_PERFORMANCE(
      Zone.CONSUMPTION, "product_performance", Partitioning.NONE, null, "product_id"),
  CUSTOMER_SEGMENTS(Zone.CONSUMPTION, "customer_segments", Partitioning.NONE, null, "user_id"),
  REORDER_PREDICTIONS(
      Zone.CONSUMPTION, "reorder_predictions", Partitioning.NONE, null, "user_id", "product_id"),
  DEPARTMENT_SALES_1M(
      Zone.CONSUMPTION,
      "department_sales_1m",
      Partitioning.EVENT_DATE,
      "window_start",
      "window_start",
      "department_id"),
  CLICK_SESSIONS(
      Zone.CONSUMPTION, "click_sessions", Partitioning.EVENT_DATE, "session_start", "session_id");

  /** Folder of the dead letters under the clean zone. */
  public static final String REJECTED_DIR = "_rejected";

  private final Zone zone;
  private final String datasetName;
  private final Partitioning partitioning;
  private final String eventTimeColumn;
  private final List<String> keyColumns;

  Dataset(
      Zone zone,
      String datasetName,
      Partitioning partitioning,
      String eventTimeColumn,
      String... keyColumns) {
    this.zone = zone;
    this.datasetName = datasetName;
    this.partitioning = partitioning;
    this.eventTimeColumn = eventTimeColumn;
    this.keyColumns = List.of(keyColumns);
  }

  public Zone zone() {
    return zone;
  }

  /** The folder name under the zone, e.g. {@code order_lines}. */
  public String datasetName() {
    return datasetName;
  }

  public Partitioning partitioning() {
    return partitioning;
  }

  /** The event-time column whose UTC date partitions the dataset, if it has one. */
  public Optional<String> eventTimeColumn() {
    return Optional.ofNullable(eventTimeColumn);
  }

  /** The business key: exactly one record per key in the dataset. */
  public List<String> keyColumns() {
    return keyColumns;
  }

  /** Columns unique per row by construction, wherever a dataset has them. */
  private static final Set<String> UNIQUE_PER_ROW =
      Set.of(
          "_source_ref",
          "source_ref",
          "payload",
          "payload_base64",
          "message",
          "event_id",
          "feedback_id");

  /**
   * The columns whose values are unique per row by construction (lineage refs, reject payloads and
   * messages, event ids), in schema order: a dictionary encoding of them never pays.
   */
  public List<String> uniqueColumns() {
    return avroSchema().getFields().stream()
        .map(Schema.Field::name)
        .filter(UNIQUE_PER_ROW::contains)
        .toList();
  }

  /** Resource path of the schema family, e.g. {@code clean/orders}. */
  public String schemaPath() {
    return zone.dir() + "/" + datasetName;
  }

  public Schema avroSchema() {
    return LakeSchemas.latest(schemaPath());
  }

  public org.apache.beam.sdk.schemas.Schema beamSchema() {
    return LakeSchemas.beamSchema(schemaPath());
  }

  public int schemaVersion() {
    return LakeSchemas.versionOf(avroSchema());
  }

  /** Datasets of one zone, in catalog order. */
  public static List<Dataset> inZone(Zone zone) {
    return Arrays.stream(values()).filter(d -> d.zone == zone).toList();
  }

  /** Looks a dataset up by zone and folder name. */
  public static Optional<Dataset> find(Zone zone, String name) {
    return Arrays.stream(values())
        .filter(d -> d.zone == zone && d.datasetName.equals(name))
        .findFirst();
  }
}
