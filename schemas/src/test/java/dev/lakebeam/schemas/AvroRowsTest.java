package dev.lakebeam.schemas;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.util.CoderUtils;
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
      boolean date =
          d.avroSchema().getField(f.getName()).schema().getLogicalType()
              instanceof LogicalTypes.Date;
      values.add(
          switch (f.getType().getTypeName()) {
            case INT32 -> random.nextInt();
            case INT64 -> random.nextLong();
            case DOUBLE -> random.nextDouble() * 1000;
            case LOGICAL_TYPE ->
                BigDecimal.valueOf(random.nextLong() % 1_000_000_000_000L, 2); // Cents
            case BOOLEAN -> random.nextBoolean();
            case STRING -> random.nextBoolean() ? "Cr\u00e8me " + random.nextInt(100) : "plain";
            case DATETIME ->
                date
                    ? new Instant(86_400_000L * random.nextInt(30_000))
                    : new Instant(random.nextLong() >>> 24);
            default ->
                throw new AssertionError(
                    "a lake schema with a " + f.getType() + " field: extend this test");
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
        // AvroUtils knows money as a plain DECIMAL, not as Cents: the same values under its schema
        org.apache.beam.sdk.schemas.Schema plain = AvroUtils.toBeamSchema(d.avroSchema());
        Row plainRow = Row.withSchema(plain).attachValues(new ArrayList<>(row.getValues()));
        GenericRecord ours = toAvro.apply(row);
        GenericRecord beams = AvroUtils.toGenericRecord(plainRow, d.avroSchema());
        assertEquals(d + " row " + row, 0, GenericData.get().compare(beams, ours, d.avroSchema()));
        assertEquals(
            d + " back",
            AvroUtils.toBeamRowStrict(beams, plain).getValues(),
            toRow.apply(beams).getValues());
        assertEquals(d + " round trip", row, toRow.apply(ours));
      }
      if (toAvro.positional() && toRow.positional()) {
        fastPlans++;
      }
    }
    // Every dataset takes the positional path.
    assertEquals(Dataset.values().length, fastPlans);
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
  public void moneyWrittenAsADoubleByAnOlderVersionReadsToTheCent() {
    Schema v1 = LakeSchemas.versions(Dataset.DAILY_DEPARTMENT_SALES.schemaPath()).get(0);
    GenericData.Record old = new GenericData.Record(v1);
    old.put("date", 20_000);
    old.put("department_id", 4);
    old.put("department", "produce");
    old.put("orders", 2L);
    old.put("items", 7L);
    old.put("revenue", 92565.76999999998); // a double sum as v1 wrote it
    Row row = new AvroRows.ToRow(Dataset.DAILY_DEPARTMENT_SALES.beamSchema()).apply(old);
    assertEquals(new BigDecimal("92565.77"), row.getDecimal("revenue"));
    assertEquals(new Instant(20_000 * 86_400_000L), row.getDateTime("date"));
    assertEquals(null, row.getInt64("unpriced_items"));
    // and it writes back as the newest version's decimal
    GenericRecord now = new AvroRows.ToAvro(Dataset.DAILY_DEPARTMENT_SALES.avroSchema()).apply(row);
    assertEquals(Dataset.DAILY_DEPARTMENT_SALES.avroSchema(), now.getSchema());
    Row plainRow =
        Row.withSchema(AvroUtils.toBeamSchema(now.getSchema()))
            .attachValues(new ArrayList<>(row.getValues()));
    assertEquals(
        0,
        GenericData.get()
            .compare(now, AvroUtils.toGenericRecord(plainRow, now.getSchema()), now.getSchema()));
  }

  @Test
  public void moneyThatDoesNotFitItsDecimalIsRefusedWithItsName() {
    Dataset d = Dataset.PRODUCT_PERFORMANCE;
    Row ok = randomRow(d, false);
    List<Object> values = new ArrayList<>(ok.getValues());
    values.set(d.beamSchema().indexOf("revenue"), new BigDecimal("1.005"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new AvroRows.ToAvro(d.avroSchema())
                    .apply(Row.withSchema(d.beamSchema()).attachValues(new ArrayList<>(values))));
    assertTrue(
        e.getMessage(),
        e.getMessage().contains("revenue") && e.getMessage().contains("decimal places"));
    values.set(d.beamSchema().indexOf("revenue"), new BigDecimal("12345678901.00"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new AvroRows.ToAvro(d.avroSchema())
                    .apply(Row.withSchema(d.beamSchema()).attachValues(new ArrayList<>(values))));
    assertTrue(e.getMessage(), e.getMessage().contains("DECIMAL(12,2)"));
  }

  @Test
  public void moneyCrossesACoderAsWholeCents() throws Exception {
    org.apache.beam.sdk.schemas.Schema beam = Dataset.PRODUCT_PERFORMANCE.beamSchema();
    assertTrue(Cents.is(beam.getField("revenue").getType()));
    Row row = randomRow(Dataset.PRODUCT_PERFORMANCE, false);
    RowCoder coder = RowCoder.of(beam);
    Row back = CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, row));
    assertEquals(row, back);
    assertEquals(row.getDecimal("revenue"), back.getDecimal("revenue"));
    assertEquals(2, back.getDecimal("revenue").scale());
    assertThrows(
        IllegalArgumentException.class, () -> new Cents().toBaseType(new BigDecimal("0.001")));
  }

  @Test
  public void amountsAtByteBoundariesWriteTheBytesBigIntegerWould() {
    Dataset d = Dataset.PRODUCT_PERFORMANCE;
    AvroRows.ToAvro toAvro = new AvroRows.ToAvro(d.avroSchema());
    for (long cents :
        new long[] {
          0,
          1,
          -1,
          127,
          128,
          -128,
          -129,
          255,
          256,
          32767,
          32768,
          -32769,
          999_999_999_999L,
          -999_999_999_999L
        }) {
      List<Object> values = new ArrayList<>(randomRow(d, false).getValues());
      values.set(d.beamSchema().indexOf("revenue"), BigDecimal.valueOf(cents, 2));
      ByteBuffer written =
          (ByteBuffer)
              toAvro.apply(Row.withSchema(d.beamSchema()).attachValues(values)).get("revenue");
      assertEquals(
          "cents " + cents, ByteBuffer.wrap(BigInteger.valueOf(cents).toByteArray()), written);
    }
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
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new AvroRows.ToAvro(d.avroSchema()).apply(row));
    assertTrue(e.getMessage(), e.getMessage().contains("eval_set"));
  }
}
