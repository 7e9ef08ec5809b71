package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.Cents;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Builds rows of the flat lake schemas (primitive fields, amounts and DATETIME) without Beam's
 * {@code Row.Builder.build()}, which matches every value against the schema through a generic field
 * visitor: on the backfill's hot path that visitor was about a tenth of the CPU. The checks that
 * matter here are kept: the number of values, non-null fields, Java types, and DATETIME values as
 * Joda {@code Instant}s (what the row coder writes).
 */
public final class Rows {
  private Rows() {}

  public static Row attach(Schema schema, List<Object> values) {
    if (values.size() != schema.getFieldCount()) {
      throw new IllegalArgumentException(
          values.size() + " values for the " + schema.getFieldCount() + " fields of " + schema);
    }
    for (int i = 0; i < values.size(); i++) {
      Object v = values.get(i);
      Schema.Field f = schema.getField(i);
      if (v == null) {
        if (!f.getType().getNullable()) {
          throw new IllegalArgumentException("field " + f.getName() + " is not nullable");
        }
        continue;
      }
      Class<?> expected =
          switch (f.getType().getTypeName()) {
            case STRING -> String.class;
            case INT32 -> Integer.class;
            case INT64 -> Long.class;
            case DOUBLE -> Double.class;
            case DECIMAL -> BigDecimal.class;
            case LOGICAL_TYPE -> {
              if (!Cents.is(f.getType())) {
                throw new IllegalArgumentException(
                    "Rows.attach builds flat rows; field " + f.getName() + " is " + f.getType());
              }
              yield BigDecimal.class;
            }
            case BOOLEAN -> Boolean.class;
            case DATETIME -> ReadableInstant.class;
            default ->
                throw new IllegalArgumentException(
                    "Rows.attach builds flat rows; field " + f.getName() + " is " + f.getType());
          };
      if (!expected.isInstance(v)) {
        throw new IllegalArgumentException(
            "field "
                + f.getName()
                + " ("
                + f.getType()
                + ") cannot hold a "
                + v.getClass().getName());
      }
      if (v instanceof ReadableInstant t && !(v instanceof Instant)) {
        values.set(i, t.toInstant());
      }
    }
    return Row.withSchema(schema).attachValues(values);
  }
}
