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
          .addNullableField("unit_price", Schema.FieldType.DOUBLE)
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

  /** The business key fields, in the source's names (product_prices: product_id). */
  public List<String> keyFields() {
    return entity == null ? List.of("product_id") : entity.keyFields();
  }

  public static Optional<SourceDataset> bySourceName(String name) {
    return Arrays.stream(values()).filter(s -> s.sourceName.equals(name)).findFirst();
  }
}
