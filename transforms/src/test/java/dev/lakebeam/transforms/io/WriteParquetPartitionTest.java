package dev.lakebeam.transforms.io;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.Dataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/** The partition folder of a row: its UTC event day, the same whatever order rows come in. */
public class WriteParquetPartitionTest {
  private static Row orderLineAt(String instant) {
    Schema s = Dataset.ORDER_LINES.beamSchema();
    List<Object> v = new ArrayList<>();
    for (Schema.Field f : s.getFields()) {
      v.add(
          switch (f.getType().getTypeName()) {
            case INT32 -> 1;
            case STRING -> "x";
            case DATETIME -> f.getType().getNullable() ? null : Instant.parse(instant);
            default -> throw new AssertionError(f);
          });
    }
    return Row.withSchema(s).addValues(v).build();
  }

  @Test
  public void eachRowGoesToItsUtcDayAcrossMidnightsAndBeforeTheEpoch() {
    SerializableFunction<Row, String> part = WriteParquet.partitionFn(Dataset.ORDER_LINES);
    String[][] cases = {
      {"2025-06-01T23:59:59.999Z", "year=2025/month=06/day=01"},
      {"2025-06-02T00:00:00.000Z", "year=2025/month=06/day=02"},
      {"2025-06-01T00:00:00.000Z", "year=2025/month=06/day=01"},
      {"1969-12-31T23:00:00.000Z", "year=1969/month=12/day=31"},
      {"1970-01-01T00:00:00.000Z", "year=1970/month=01/day=01"},
      {"2024-02-29T12:00:00.000Z", "year=2024/month=02/day=29"},
      {"2025-06-02T10:00:00.000Z", "year=2025/month=06/day=02"},
    };
    for (String[] c : cases) {
      assertEquals(c[0], c[1], part.apply(orderLineAt(c[0])));
    }
  }

  @Test
  public void datasetsWithoutAnEventDateAreNotPartitioned() {
    Schema s = Dataset.PRODUCTS.beamSchema();
    List<Object> v = new ArrayList<>();
    for (Schema.Field f : s.getFields()) {
      v.add(null);
    }
    assertEquals(
        "", WriteParquet.partitionFn(Dataset.PRODUCTS).apply(Row.withSchema(s).attachValues(v)));
  }
}
