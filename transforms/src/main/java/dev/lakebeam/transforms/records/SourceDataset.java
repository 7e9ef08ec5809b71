package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceEntity;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The kinds of source records: which files (or tables, or streams) they come in, their format,
 * the schema they parse into, and the clean dataset they feed.
 */
public enum SourceDataset {
  DEPARTMENTS("departments", Format.CSV, SourceEntity.DEPARTMENT, Dataset.DEPARTMENTS, "departments.csv"),
  AISLES("aisles", Format.CSV, SourceEntity.AISLE, Dataset.AISLES, "aisles.csv"),
  PRODUCTS("products", Format.CSV, SourceEntity.PRODUCT, Dataset.PRODUCTS, "products.csv"),
  PRODUCT_PRICES("product_prices", Format.CSV, null, Dataset.PRODUCTS, "product_prices.csv"),
  CUSTOMERS("customers", Format.JSON, SourceEntity.CUSTOMER, Dataset.CUSTOMERS, "customers.jsonl"),
  ORDERS("orders", Format.CSV, SourceEntity.ORDER, Dataset.ORDERS, "orders.csv"),
  ORDER_LINES(
      "order_products", Format.CSV, SourceEntity.ORDER_LINE, Dataset.ORDER_LINES, "order_products__*.csv"),
  CLICK_EVENTS("clickstream", Format.JSON, SourceEntity.CLICK_EVENT, Dataset.CLICK_EVENTS, "clickstream.jsonl"),
  FEEDBACK("feedback", Format.JSON, SourceEntity.FEEDBACK, Dataset.FEEDBACK, "feedback.jsonl");

  /** How records are framed and fields are found. */
  public enum Format {
    CSV,
    JSON
  }

  /** Schema of product_prices.csv, which has no entity of its own. */
  public static final Schema PRICE_SCHEMA =
      Schema.builder()
          .addInt32Field("product_id")
          .addNullableField("unit_price", dev.lakebeam.schemas.Cents.FIELD_TYPE)
          .build();

  private final String sourceName;
  private final Format format;
  private final SourceEntity entity;
  private final Dataset target;
  private final String filePattern;

  SourceDataset(String sourceName, Format format, SourceEntity entity, Dataset target, String filePattern) {
    this.sourceName = sourceName;
    this.format = format;
    this.entity = entity;
    this.target = target;
    this.filePattern = filePattern;
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
    return entity == null ? PRICE_SCHEMA : entity.beamSchema();
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
    List<String> out = new java.util.ArrayList<>(requiredFields());
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
    String name = fileName.toLowerCase(java.util.Locale.ROOT);
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

  /** The business key fields, in the source's names (product_prices: product_id). */
  public List<String> keyFields() {
    return entity == null ? List.of("product_id") : entity.keyFields();
  }

  public static Optional<SourceDataset> bySourceName(String name) {
    return Arrays.stream(values()).filter(s -> s.sourceName.equals(name)).findFirst();
  }
}
