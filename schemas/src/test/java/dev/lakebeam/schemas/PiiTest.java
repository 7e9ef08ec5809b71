package dev.lakebeam.schemas;

import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import org.junit.Test;

/** The PII definition names fields the schemas have. */
public class PiiTest {
  @Test
  public void everyPiiFieldIsInASourceSchema() {
    for (String field : Pii.FIELDS.keySet()) {
      assertTrue(
          field,
          Arrays.stream(SourceDataset.values()).anyMatch(d -> d.parseSchema().hasField(field)));
    }
  }

  @Test
  public void everyTokenComesFromAPiiFieldOfItsSource() {
    for (SourceDataset d : SourceDataset.values()) {
      for (String field : d.target().beamSchema().getFieldNames()) {
        String source = Pii.TOKEN_FIELDS.get(field);
        if (source != null && d.schemaPath() != null) {
          assertTrue(
              d + ": " + field, Pii.FIELDS.containsKey(source) && d.parseSchema().hasField(source));
        }
      }
    }
  }
}
