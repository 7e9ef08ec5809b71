package dev.lakebeam.schemas;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.values.Row;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.Instant;
import org.junit.Test;

public class LakeSchemasTest {

  @Test
  public void everyFamilyLoadsAndConvertsToABeamSchema() {
    for (String path : LakeSchemas.allPaths()) {
      Schema avro = LakeSchemas.latest(path);
      org.apache.beam.sdk.schemas.Schema beam = LakeSchemas.beamSchema(path);
      assertEquals(path, avro.getFields().size(), beam.getFieldCount());
    }
  }

  @Test
  public void cleanRecordsCarryTheMetadataFields() {
    for (Dataset d : Dataset.inZone(Zone.CLEAN)) {
      if (d == Dataset.REJECTS) {
        continue;
      }
      for (String meta : List.of("_source", "_source_ref", "_ingested_at", "_schema_version")) {
        assertTrue(d + " lacks " + meta, d.beamSchema().hasField(meta));
      }
    }
  }

  @Test
  public void keyAndEventTimeColumnsExist() {
    for (Dataset d : Dataset.values()) {
      for (String k : d.keyColumns()) {
        assertTrue(d + " key " + k, d.beamSchema().hasField(k));
      }
      d.eventTimeColumn()
          .ifPresent(
              c ->
                  assertEquals(
                      d + " " + c,
                      TypeName.DATETIME,
                      d.beamSchema().getField(c).getType().getTypeName()));
    }
  }

  @Test
  public void sourceKeysExistInTheSourceSchemas() {
    for (SourceDataset e : SourceDataset.values()) {
      for (String k : e.keyFields()) {
        assertTrue(e + " key " + k, e.parseSchema().hasField(k));
      }
    }
  }

  @Test
  public void timestampsAndNullablesRoundTripThroughAvro() {
    Dataset d = Dataset.ORDERS;
    Instant ts = new DateTime(2025, 6, 28, 14, 5, 9, DateTimeZone.UTC).toInstant();
    Row row =
        Row.withSchema(d.beamSchema())
            .withFieldValue("order_id", 7)
            .withFieldValue("user_id", 3)
            .withFieldValue("eval_set", "prior")
            .withFieldValue("order_number", 1)
            .withFieldValue("order_dow", 6)
            .withFieldValue("order_hour_of_day", 14)
            .withFieldValue("days_since_prior_order", null)
            .withFieldValue("order_ts", ts)
            .withFieldValue("updated_at", null)
            .withFieldValue("_source", "files")
            .withFieldValue("_source_ref", "orders.csv:2")
            .withFieldValue("_ingested_at", ts)
            .withFieldValue("_schema_version", d.schemaVersion())
            .build();
    GenericRecord rec = LakeSchemas.toGenericRecord(row, d.avroSchema());
    assertEquals(ts.getMillis(), rec.get("order_ts"));
    assertNull(rec.get("days_since_prior_order"));
    Row back = LakeSchemas.toRow(rec, d.beamSchema());
    assertEquals(row, back);
  }

  @Test
  public void dateColumnsAreBeamDateTimes() {
    FieldType t = Dataset.DAILY_DEPARTMENT_SALES.beamSchema().getField("date").getType();
    assertEquals(TypeName.DATETIME, t.getTypeName());
  }
}
