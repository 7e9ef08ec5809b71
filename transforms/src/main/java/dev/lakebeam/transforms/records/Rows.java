package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.Cents;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Builds rows of the flat lake schemas (primitive fields, amounts and DATETIME) without Beam's
 * {@code Row.Builder.build()}, which matches every value against the schema through a generic field
 * visitor: on the backfill's hot path that visitor was about a tenth of the CPU. The checks that
 * matter here are kept: the number of values, non-null fields, Java types, and DATETIME values as
 * Joda {@code Instant}s (what the row coder writes). What each field takes is worked out once per
 * schema.
 */
public final class Rows {
  private static final Map<Schema, Plan> PLANS = new ConcurrentHashMap<>();

  private Rows() {}

  public static Row attach(Schema schema, List<Object> values) {
    return plan(schema).attach(schema, values);
  }

  /**
   * Rows of one schema, its plan found once: {@link #attach(Schema, List)} looks the plan up per
   * row in a map whose key, an equal schema of another instance, it then compares field by field.
   */
  public static Of of(Schema schema) {
    return new Of(schema);
  }

  /**
   * See {@link #of}. Serializable with its holder (a DoFn); threads may share one: the plan it
   * caches is immutable, and a first use by two threads at once only looks it up twice.
   */
  public static final class Of implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Schema schema;
    private transient Plan plan;

    private Of(Schema schema) {
      this.schema = schema;
    }

    public Schema schema() {
      return schema;
    }

    public Row attach(List<Object> values) {
      Plan p = plan;
      if (p == null) {
        p = plan(schema);
        plan = p;
      }
      return p.attach(schema, values);
    }
  }

  private static Plan plan(Schema schema) {
    Plan plan = PLANS.get(schema);
    if (plan == null) {
      plan = PLANS.computeIfAbsent(schema, Plan::new);
    }
    return plan;
  }

  /**
   * Per field: the Java type its values must have (null for a type these rows do not take, which
   * only a null value may fill), whether it takes null, whether it is time.
   */
  private static final class Plan {
    final Class<?>[] expected;
    final boolean[] nullable;
    final boolean[] instant;

    Plan(Schema schema) {
      int n = schema.getFieldCount();
      expected = new Class<?>[n];
      nullable = new boolean[n];
      instant = new boolean[n];
      for (int i = 0; i < n; i++) {
        Schema.Field f = schema.getField(i);
        expected[i] = javaType(f);
        nullable[i] = f.getType().getNullable();
        instant[i] = expected[i] == ReadableInstant.class;
      }
    }

    Row attach(Schema schema, List<Object> values) {
      if (values.size() != expected.length) {
        throw new IllegalArgumentException(
            values.size() + " values for the " + expected.length + " fields of " + schema);
      }
      for (int i = 0; i < expected.length; i++) {
        Object v = values.get(i);
        if (v == null) {
          if (!nullable[i]) {
            throw new IllegalArgumentException(
                "field " + schema.getField(i).getName() + " is not nullable");
          }
        } else if (expected[i] == null) {
          Schema.Field f = schema.getField(i);
          throw new IllegalArgumentException(
              "Rows.attach builds flat rows; field " + f.getName() + " is " + f.getType());
        } else if (!expected[i].isInstance(v)) {
          Schema.Field f = schema.getField(i);
          throw new IllegalArgumentException(
              "field "
                  + f.getName()
                  + " ("
                  + f.getType()
                  + ") cannot hold a "
                  + v.getClass().getName());
        } else if (instant[i] && !(v instanceof Instant)) {
          values.set(i, ((ReadableInstant) v).toInstant());
        }
      }
      return Row.withSchema(schema).attachValues(values);
    }

    private static Class<?> javaType(Schema.Field f) {
      return switch (f.getType().getTypeName()) {
        case STRING -> String.class;
        case INT32 -> Integer.class;
        case INT64 -> Long.class;
        case DOUBLE -> Double.class;
        case DECIMAL -> BigDecimal.class;
        case LOGICAL_TYPE -> Cents.is(f.getType()) ? BigDecimal.class : null;
        case BOOLEAN -> Boolean.class;
        case DATETIME -> ReadableInstant.class;
        default -> null;
      };
    }
  }
}
