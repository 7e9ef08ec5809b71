package dev.lakebeam.schemas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The one definition of each kind of source record: its files, its PostgreSQL table, its Kinesis
 * stream, its schema, key, event id and event time, and the clean dataset it feeds. Every reader,
 * writer and option of the sources derives from here.
 */
public enum SourceDataset {
  DEPARTMENTS(
      "departments",
      Format.CSV,
      "department",
      List.of("department_id"),
      Dataset.DEPARTMENTS,
      "departments.csv",
      new Table("departments", "department_id", null),
      null),
  AISLES(
      "aisles",
      Format.CSV,
      "aisle",
      List.of("aisle_id"),
      Dataset.AISLES,
      "aisles.csv",
      new Table("aisles", "aisle_id", null),
      null),
  PRODUCTS(
      "products",
      Format.CSV,
      "product",
      List.of("product_id"),
      Dataset.PRODUCTS,
      "products.csv",
      new Table("products", "product_id", null),
      null),
  PRODUCT_PRICES(
      "product_prices",
      Format.CSV,
      null,
      List.of("product_id"),
      Dataset.PRODUCTS,
      "product_prices.csv",
      null,
      null),
  CUSTOMERS(
      "customers",
      Format.JSON,
      "customer",
      List.of("customer_id"),
      Dataset.CUSTOMERS,
      "customers.jsonl",
      new Table("customers", "customer_id", null),
      null),
  ORDERS(
      "orders",
      Format.CSV,
      "order",
      List.of("order_id"),
      Dataset.ORDERS,
      "orders.csv",
      new Table("orders", "order_id", "order_ts"),
      new Stream("orders", "order_id", "order_ts", "user_id")),
  /** In the database the lines' event time is their order's ({@link Table#eventTimeOfOrder}). */
  ORDER_LINES(
      "order_products",
      Format.CSV,
      "order_line",
      List.of("order_id", "product_id"),
      Dataset.ORDER_LINES,
      "order_products__*.csv",
      new Table("order_lines", "order_id", "order_ts"),
      null),
  CLICK_EVENTS(
      "clickstream",
      Format.JSON,
      "click_event",
      List.of("event_id"),
      Dataset.CLICK_EVENTS,
      "clickstream.jsonl",
      null,
      new Stream("clickstream", "event_id", "ts", "customer_id")),
  FEEDBACK(
      "feedback",
      Format.JSON,
      "feedback",
      List.of("feedback_id"),
      Dataset.FEEDBACK,
      "feedback.jsonl",
      new Table("feedback", null, "submitted_at"),
      new Stream("feedback", "feedback_id", "submitted_at", "feedback_id"));

  /**
   * A source's PostgreSQL table in schema {@code shop}: its columns are the parse schema's fields
   * and {@code updated_at}.
   *
   * @param name the table's name
   * @param splitKey an integer column to split reads on, or null (read in one piece)
   * @param eventTime the column of the event time, or null (no date range)
   */
  public record Table(String name, String splitKey, String eventTime) {}

  /**
   * A source's Kinesis stream.
   *
   * @param name the stream's id in options and the raw zone (the stream's name is an option)
   * @param idField the event id: a redelivery repeats it
   * @param timeField the event time, for the watermark and the windows
   * @param partitionKey the field that keys records onto shards when replayed
   */
  public record Stream(String name, String idField, String timeField, String partitionKey) {}

  /** How records are framed and fields are found. */
  public enum Format {
    CSV,
    JSON
  }

  /** Schema of product_prices.csv, which has no entity of its own. */
  public static final Schema PRICE_SCHEMA =
      Schema.builder()
          .addInt32Field("product_id")
          .addNullableField("unit_price", Cents.FIELD_TYPE)
          .build();

  private final String sourceName;
  private final Format format;
  private final String entityName;
  private final List<String> keyFields;
  private final Dataset target;
  private final String filePattern;
  private final Table table;
  private final Stream stream;

  SourceDataset(
      String sourceName,
      Format format,
      String entityName,
      List<String> keyFields,
      Dataset target,
      String filePattern,
      Table table,
      Stream stream) {
    this.sourceName = sourceName;
    this.format = format;
    this.entityName = entityName;
    this.keyFields = keyFields;
    this.target = target;
    this.filePattern = filePattern;
    this.table = table;
    this.stream = stream;
  }

  /** The PostgreSQL table, if the database holds this source. */
  public Optional<Table> table() {
    return Optional.ofNullable(table);
  }

  /** The Kinesis stream, if the source streams. */
  public Optional<Stream> stream() {
    return Optional.ofNullable(stream);
  }

  /** The Kinesis stream; for a source that does not stream, an error. */
  public Stream kinesis() {
    if (stream == null) {
      throw new IllegalStateException(sourceName + " does not stream");
    }
    return stream;
  }

  /** The sources held in PostgreSQL, in this order. */
  public static List<SourceDataset> tables() {
    return Arrays.stream(values()).filter(d -> d.table != null).toList();
  }

  /** The sources that stream, in this order. */
  public static List<SourceDataset> streams() {
    return Arrays.stream(values()).filter(d -> d.stream != null).toList();
  }

  /**
   * Resource path of the parse schema's family, e.g. {@code source/order}; null for product_prices.
   */
  public String schemaPath() {
    return entityName == null ? null : "source/" + entityName;
  }

  /** Name in the raw zone and in sample-data/bad, e.g. {@code order_products}. */
  public String sourceName() {
    return sourceName;
  }

  public Format format() {
    return format;
  }

  /** The clean dataset the records feed. */
  public Dataset target() {
    return target;
  }

  /** Glob of the file names, without compression suffix (.gz is read too). */
  public String filePattern() {
    return filePattern;
  }

  /** The schema records parse into. */
  public Schema parseSchema() {
    return entityName == null ? PRICE_SCHEMA : LakeSchemas.beamSchema(schemaPath());
  }

  /** Fields a record must have (non-nullable in the parse schema). */
  public List<String> requiredFields() {
    return parseSchema().getFields().stream()
        .filter(f -> !f.getType().getNullable())
        .filter(f -> !(this == ORDER_LINES && f.getName().equals("quantity")))
        .map(Schema.Field::getName)
        .toList();
  }

  /**
   * The columns a CSV file of this dataset must have: the required fields, and the Instacart
   * layout's nullable ones (days_since_prior_order, unit_price). Other schema fields are optional.
   */
  public List<String> csvColumns() {
    List<String> out = new ArrayList<>(requiredFields());
    if (this == ORDERS) {
      out.add("days_since_prior_order");
    } else if (this == PRODUCT_PRICES) {
      out.add("unit_price");
    }
    return out;
  }

  /** Every field a record may carry (the parse schema's). */
  public List<String> knownFields() {
    return parseSchema().getFields().stream().map(Schema.Field::getName).toList();
  }

  /**
   * Whether a file name is one of this dataset's: its name (order_products__*: any suffix) in any
   * case, with .csv for a CSV dataset or .json or .jsonl for a JSON one, plain or .gz.
   */
  public boolean matchesFile(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    String stem = null;
    for (String ext : format == Format.CSV ? List.of(".csv") : List.of(".jsonl", ".json")) {
      if (name.endsWith(ext)) {
        stem = name.substring(0, name.length() - ext.length());
      }
    }
    if (stem == null) {
      return false;
    }
    String pattern = filePattern.substring(0, filePattern.lastIndexOf('.'));
    return pattern.endsWith("*")
        ? stem.startsWith(pattern.substring(0, pattern.length() - 1))
        : stem.equals(pattern);
  }

  /** The dataset a file name belongs to, if any ({@link #matchesFile}). */
  public static Optional<SourceDataset> ofFile(String fileName) {
    return Arrays.stream(values()).filter(d -> d.matchesFile(fileName)).findFirst();
  }

  /**
   * The business key in the source's field names: one current version per key (product_prices:
   * product_id).
   */
  public List<String> keyFields() {
    return keyFields;
  }

  public static Optional<SourceDataset> bySourceName(String name) {
    return Arrays.stream(values()).filter(s -> s.sourceName.equals(name)).findFirst();
  }
}
