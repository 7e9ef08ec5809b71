package dev.lakebeam.schemas;

import org.apache.avro.Schema;

/**
 * The operational entities as the sources hold them (DESIGN §2): PostgreSQL tables, Instacart
 * files, Kinesis events. Parsing produces rows of these schemas; cleaning turns them into {@link
 * Dataset} rows.
 */
public enum SourceEntity {
  DEPARTMENT("department", "department_id"),
  AISLE("aisle", "aisle_id"),
  PRODUCT("product", "product_id"),
  CUSTOMER("customer", "customer_id"),
  ORDER("order", "order_id"),
  ORDER_LINE("order_line", "order_id", "product_id"),
  CLICK_EVENT("click_event", "event_id"),
  FEEDBACK("feedback", "feedback_id");

  private final String entityName;
  private final java.util.List<String> keyFields;

  SourceEntity(String entityName, String... keyFields) {
    this.entityName = entityName;
    this.keyFields = java.util.List.of(keyFields);
  }

  /** The business key in the source's field names: one current version per key. */
  public java.util.List<String> keyFields() {
    return keyFields;
  }

  public String entityName() {
    return entityName;
  }

  /** Resource path of the schema family, e.g. {@code source/order}. */
  public String schemaPath() {
    return "source/" + entityName;
  }

  public Schema avroSchema() {
    return LakeSchemas.latest(schemaPath());
  }

  public org.apache.beam.sdk.schemas.Schema beamSchema() {
    return LakeSchemas.beamSchema(schemaPath());
  }
}
