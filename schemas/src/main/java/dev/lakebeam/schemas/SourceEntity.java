package dev.lakebeam.schemas;

import org.apache.avro.Schema;

/**
 * The operational entities as the sources hold them (DESIGN §2): PostgreSQL tables, Instacart
 * files, Kinesis events. Parsing produces rows of these schemas; cleaning turns them into {@link
 * Dataset} rows.
 */
public enum SourceEntity {
  DEPARTMENT("department"),
  AISLE("aisle"),
  PRODUCT("product"),
  CUSTOMER("customer"),
  ORDER("order"),
  ORDER_LINE("order_line"),
  CLICK_EVENT("click_event"),
  FEEDBACK("feedback");

  private final String entityName;

  SourceEntity(String entityName) {
    this.entityName = entityName;
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
