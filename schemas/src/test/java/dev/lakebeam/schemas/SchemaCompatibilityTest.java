package dev.lakebeam.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.hamcrest.Matchers;
import org.junit.Test;

/**
 * Every schema version reads data written with the one before it: by Avro's rules, plus the one
 * promotion lakebeam's readers add (money written as a double, marked {@code lakebeam.fromDouble}
 * in the version that made it a decimal).
 */
public class SchemaCompatibilityTest {

  /** The writer schema as lakebeam's readers see it: doubles promoted to the reader's decimals. */
  private static Schema promoted(Schema reader, Schema writer) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : writer.getFields()) {
      Schema.Field r = reader.getField(f.name());
      boolean money =
          r != null
              && r.getObjectProp("lakebeam.fromDouble") != null
              && f.schema().toString().equals("[\"null\",\"double\"]");
      fields.add(new Schema.Field(f, money ? r.schema() : f.schema()));
    }
    return Schema.createRecord(
        writer.getName(), writer.getDoc(), writer.getNamespace(), false, fields);
  }

  @Test
  public void everyVersionReadsThePreviousOne() {
    List<String> broken = new ArrayList<>();
    for (String path : LakeSchemas.allPaths()) {
      List<Schema> versions = LakeSchemas.versions(path);
      for (int i = 1; i < versions.size(); i++) {
        SchemaCompatibility.SchemaPairCompatibility result =
            SchemaCompatibility.checkReaderWriterCompatibility(
                versions.get(i), promoted(versions.get(i), versions.get(i - 1)));
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
          broken.add(path + " v" + (i + 1) + " cannot read v" + i + ": " + result.getDescription());
        }
      }
    }
    assertThat(broken, empty());
  }

  @Test
  public void moneyIsADecimalOfTwelveDigitsToTheCentAndOnlyEverADoubleBefore() {
    int money = 0;
    for (String path : LakeSchemas.allPaths()) {
      List<Schema> versions = LakeSchemas.versions(path);
      Schema latest = versions.get(versions.size() - 1);
      for (Schema.Field f : latest.getFields()) {
        Object from = f.getObjectProp("lakebeam.fromDouble");
        if (List.of("unit_price", "line_revenue", "revenue", "monetary").contains(f.name())) {
          money++;
          Schema t = f.schema().getTypes().get(1);
          assertEquals(path + "." + f.name(), LogicalTypes.decimal(12, 2), t.getLogicalType());
          assertEquals(path + "." + f.name(), Schema.Type.BYTES, t.getType());
          assertThat(
              path + "." + f.name() + " says when it became a decimal",
              from,
              Matchers.notNullValue());
        }
        if (from != null) {
          // the version before the change held the double the readers promote
          Schema before = versions.get(((Number) from).intValue() - 2);
          assertEquals(
              path + "." + f.name(),
              "[\"null\",\"double\"]",
              before.getField(f.name()).schema().toString());
        }
      }
    }
    assertEquals("unit_price three times, line_revenue, revenue three times, monetary", 8, money);
  }

  @Test
  public void versionsAreNumberedFromOneWithoutGaps() {
    for (String path : LakeSchemas.allPaths()) {
      List<Schema> versions = LakeSchemas.versions(path);
      for (int i = 0; i < versions.size(); i++) {
        assertEquals(path, i + 1, LakeSchemas.versionOf(versions.get(i)));
      }
    }
  }

  @Test
  public void productHasASecondVersionWithPrices() {
    List<Schema> versions = LakeSchemas.versions(SourceDataset.PRODUCTS.schemaPath());
    assertThat(versions.size(), greaterThanOrEqualTo(2));
    assertThat(
        versions.get(1).getField("unit_price").defaultVal(), equalTo(JsonProperties.NULL_VALUE));
  }

  @Test
  public void theCheckCatchesAnIncompatibleChange() throws Exception {
    Schema v1 = LakeSchemas.versions(SourceDataset.ORDERS.schemaPath()).get(0);
    Schema bad;
    try (InputStream in = getClass().getResourceAsStream("/incompatible/order.v2.avsc")) {
      bad = new Schema.Parser().parse(in);
    }
    assertNotEquals(
        SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(bad, v1).getType());
  }
}
