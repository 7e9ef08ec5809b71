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
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.Test;

/** Every schema version reads data written with the one before it. */
public class SchemaCompatibilityTest {

  @Test
  public void everyVersionReadsThePreviousOne() {
    List<String> broken = new ArrayList<>();
    for (String path : LakeSchemas.allPaths()) {
      List<Schema> versions = LakeSchemas.versions(path);
      for (int i = 1; i < versions.size(); i++) {
        SchemaCompatibility.SchemaPairCompatibility result =
            SchemaCompatibility.checkReaderWriterCompatibility(versions.get(i), versions.get(i - 1));
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
          broken.add(path + " v" + (i + 1) + " cannot read v" + i + ": " + result.getDescription());
        }
      }
    }
    assertThat(broken, empty());
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
    List<Schema> versions = LakeSchemas.versions(SourceEntity.PRODUCT.schemaPath());
    assertThat(versions.size(), greaterThanOrEqualTo(2));
    assertThat(versions.get(1).getField("unit_price").defaultVal(), equalTo(org.apache.avro.JsonProperties.NULL_VALUE));
  }

  @Test
  public void theCheckCatchesAnIncompatibleChange() throws Exception {
    Schema v1 = LakeSchemas.versions(SourceEntity.ORDER.schemaPath()).get(0);
    Schema bad;
    try (InputStream in = getClass().getResourceAsStream("/incompatible/order.v2.avsc")) {
      bad = new Schema.Parser().parse(in);
    }
    assertNotEquals(
        SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(bad, v1).getType());
  }
}
