package dev.lakebeam.schemas;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/** The positional conversion gives what Beam's AvroUtils gives, on every dataset of the lake. */
public class AvroRowsTest {
  private final Random random = new Random(7);

  private Row randomRow(Dataset d, boolean nulls) {
    org.apache.beam.sdk.schemas.Schema beam = d.beamSchema();
    List<Object> values = new ArrayList<>();
    for (org.apache.beam.sdk.schemas.Schema.Field f : beam.getFields()) {
      if (f.getType().getNullable() && nulls && random.nextBoolean()) {
        values.add(null);
        continue;
      }
      boolean date = d.avroSchema().getField(f.getName()).schema().getLogicalType() instanceof LogicalTypes.Date;
      values.add(switch (f.getType().getTypeName()) {
        case INT32 -> random.nextInt();
        case INT64 -> random.nextLong();
        case DOUBLE -> random.nextDouble() * 1000;
        case BOOLEAN -> random.nextBoolean();
        case STRING -> random.nextBoolean() ? "Cr\u00e8me " + random.nextInt(100) : "plain";
        case DATETIME -> date ? new Instant(86_400_000L * random.nextInt(30_000)) : new Instant(random.nextLong() >>> 24);
        default -> throw new AssertionError("a lake schema with a " + f.getType() + " field: extend this test");
      });
    }
    return Row.withSchema(beam).addValues(values).build();
  }

  @Test
  public void everyDatasetConvertsBothWaysAsAvroUtilsDoes() {
    int fastPlans = 0;
    for (Dataset d : Dataset.values()) {
      AvroRows.ToAvro toAvro = new AvroRows.ToAvro(d.avroSchema());
      AvroRows.ToRow toRow = new AvroRows.ToRow(d.beamSchema());
      for (int n = 0; n < 50; n++) {
        Row row = randomRow(d, n % 2 == 1);
        GenericRecord ours = toAvro.apply(row);
        GenericRecord beams = AvroUtils.toGenericRecord(row, d.avroSchema());
        assertEquals(d + " row " + row, 0, GenericData.get().compare(beams, ours, d.avroSchema()));
        assertEquals(d + " back", AvroUtils.toBeamRowStrict(beams, d.beamSchema()), toRow.apply(beams));
        assertEquals(d + " round trip", row, toRow.apply(ours));
      }
      if (toAvro.positional() && toRow.positional()) {
        fastPlans++;
      }
    }
    // Every dataset but the one with a date column takes the positional path.
    assertEquals(Dataset.values().length - 1, fastPlans);
  }

  @Test
  public void aProjectedRecordBecomesARowOfTheProjectedColumns() {
    Dataset d = Dataset.ORDER_LINES;
    Row row = randomRow(d, false);
    GenericRecord full = new AvroRows.ToAvro(d.avroSchema()).apply(row);
    List<Schema.Field> kept = new ArrayList<>();
    for (String name : List.of("order_id", "eval_set", "order_ts")) {
      Schema.Field f = d.avroSchema().getField(name);
      kept.add(new Schema.Field(f, f.schema()));
    }
    Schema projected = Schema.createRecord("P", null, "x", false, kept);
    GenericData.Record rec = new GenericData.Record(projected);
    for (Schema.Field f : projected.getFields()) {
      rec.put(f.pos(), full.get(f.name()));
    }
    org.apache.beam.sdk.schemas.Schema beam = AvroUtils.toBeamSchema(projected);
    Row back = new AvroRows.ToRow(beam).apply(rec);
    assertEquals(row.getInt32("order_id"), back.getInt32("order_id"));
    assertEquals(row.getString("eval_set"), back.getString("eval_set"));
    assertEquals(row.getDateTime("order_ts"), back.getDateTime("order_ts"));
  }

  @Test
  public void aNullInARequiredFieldIsRefusedWithItsName() {
    Dataset d = Dataset.ORDER_LINES;
    org.apache.beam.sdk.schemas.Schema loose =
        new org.apache.beam.sdk.schemas.Schema(
            d.beamSchema().getFields().stream().map(f -> f.withNullable(true)).toList());
    List<Object> values = new ArrayList<>(randomRow(d, false).getValues());
    values.set(loose.indexOf("eval_set"), null);
    Row row = Row.withSchema(loose).addValues(values).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AvroRows.ToAvro(d.avroSchema()).apply(row));
    assertTrue(e.getMessage(), e.getMessage().contains("eval_set"));
  }
}
