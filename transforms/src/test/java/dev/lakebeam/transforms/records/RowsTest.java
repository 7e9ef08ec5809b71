package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.Instant;
import org.junit.Test;

public class RowsTest {
  private static final Schema S =
      Schema.builder()
          .addInt32Field("order_id")
          .addNullableField("note", Schema.FieldType.STRING)
          .addDateTimeField("at")
          .addNullableField("tags", Schema.FieldType.array(Schema.FieldType.STRING))
          .build();

  private static Row attach(Object... values) {
    return Rows.attach(S, new ArrayList<>(Arrays.asList(values)));
  }

  @Test
  public void aRowIsTheValuesGivenWithTimeAsAnInstant() {
    Instant at = new Instant(1_750_000_000_000L);
    Row r = attach(7, null, new DateTime(at, DateTimeZone.forOffsetHours(2)), null);
    assertEquals(Integer.valueOf(7), r.getInt32("order_id"));
    assertEquals(null, r.getString("note"));
    assertSame(Instant.class, r.getValue("at").getClass());
    assertEquals(at, r.getDateTime("at").toInstant());
    // a field of a type these rows do not build may still be left null
    assertEquals(null, r.getValue("tags"));
  }

  @Test
  public void schemasThatDifferOnlyInNullabilityKeepTheirOwnRules() {
    Schema required = Schema.builder().addInt32Field("order_id").build();
    Schema optional = Schema.builder().addNullableField("order_id", Schema.FieldType.INT32).build();
    for (int round = 0; round < 2; round++) {
      assertThrows(
          IllegalArgumentException.class,
          () -> Rows.attach(required, new ArrayList<>(Arrays.asList((Object) null))));
      assertEquals(
          null, Rows.attach(optional, new ArrayList<>(Arrays.asList((Object) null))).getValue(0));
    }
  }

  @Test
  public void eachBrokenRuleIsRefusedWithTheFieldsName() {
    Instant at = new Instant(0);
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> attach(7, null, at))
            .getMessage()
            .startsWith("3 values for the 4 fields"));
    assertEquals(
        "field order_id is not nullable",
        assertThrows(IllegalArgumentException.class, () -> attach(null, null, at, null))
            .getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> attach(7L, null, at, null))
            .getMessage()
            .startsWith("field order_id (INT32"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> attach(7, 5, at, null))
            .getMessage()
            .endsWith("cannot hold a java.lang.Integer"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> attach(7, null, at, Arrays.asList("a")))
            .getMessage()
            .startsWith("Rows.attach builds flat rows; field tags"));
  }

  @Test
  public void rowsOfOneSchemaHoldTheSameRulesAfterTheyCrossASerialization() throws Exception {
    Instant at = new Instant(1_750_000_000_000L);
    Rows.Of used = Rows.of(S);
    used.attach(new ArrayList<>(Arrays.asList(1, null, at, null))); // its plan is resolved
    Rows.Of of = SerializableUtils.clone(used); // and not serialized with it
    Row r =
        of.attach(
            new ArrayList<>(
                Arrays.asList(7, "x", new DateTime(at, DateTimeZone.forOffsetHours(2)), null)));
    assertEquals(attach(7, "x", at, null), r);
    assertSame(Instant.class, r.getValue("at").getClass());
    // the schema it holds (a copy after the clone), not the map's instance, is the rows'
    assertSame(of.schema(), r.getSchema());
    assertEquals(
        "field order_id is not nullable",
        assertThrows(
                IllegalArgumentException.class,
                () -> of.attach(new ArrayList<>(Arrays.asList(null, null, at, null))))
            .getMessage());
    // a schema that differs from S only in order_id's nullability keeps its own rule
    Schema optional =
        Schema.builder()
            .addNullableField("order_id", Schema.FieldType.INT32)
            .addNullableField("note", Schema.FieldType.STRING)
            .addDateTimeField("at")
            .addNullableField("tags", Schema.FieldType.array(Schema.FieldType.STRING))
            .build();
    assertEquals(
        null,
        Rows.of(optional).attach(new ArrayList<>(Arrays.asList(null, null, at, null))).getValue(0));
  }
}
