package dev.lakebeam.schemas;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Row ↔ Avro record conversion by field position, planned once per pair of schemas: the backfill
 * converts every row it writes and every row it reads back, and Beam's {@link AvroUtils} resolves
 * each field by name, builds through {@code GenericRecordBuilder} (validation and defaults per
 * field) and re-matches the schema per row: several per cent of the clean stage's CPU. The mapping
 * is the same as {@link AvroUtils}' for the types the lake uses (int, long, double, boolean,
 * string, {@code timestamp-millis} and {@code date} as Joda instants, {@code decimal} bytes as a
 * {@code BigDecimal} of the column's scale, nullable unions with null); for any other field (a
 * nested record) the whole conversion is left to {@link AvroUtils}. {@code AvroRowsTest} holds both
 * to the same results on every dataset. One promotion goes beyond Avro's: money written as a double
 * by an older schema version reads into a decimal field, rounded half-up to the cent; a nullable
 * field that a record's older version lacks reads as null.
 */
public final class AvroRows {
  /** How a field's value converts between a row and a record. */
  public enum Kind {
    PLAIN,
    STRING,
    TIMESTAMP_MILLIS,
    DATE,
    DECIMAL,
    /**
     * Money written as a double before its schema made it a decimal: read rounded half-up to the
     * cent.
     */
    DOUBLE_AS_DECIMAL,
    /** A nullable field that an older version did not have: null, as Avro's resolution gives. */
    ABSENT
  }

  private static final long DAY_MILLIS = 86_400_000L;

  private AvroRows() {}

  /** Converts rows of one Beam schema to records of one Avro schema. Not thread-safe; cheap. */
  public static final class ToAvro {
    private final Schema avro;
    private org.apache.beam.sdk.schemas.Schema planned;
    private Layout layout;

    public ToAvro(Schema avro) {
      this.avro = avro;
    }

    public GenericRecord apply(Row row) {
      if (row.getSchema() != planned) {
        planned = row.getSchema();
        layout = Layout.of(avro, planned);
      }
      if (layout == null) {
        return AvroUtils.toGenericRecord(row, avro);
      }
      GenericData.Record out = new GenericData.Record(avro);
      for (int i = 0; i < layout.size(); i++) {
        Object v = layout.value(row, i);
        if (v == null) {
          continue;
        }
        out.put(
            i,
            switch (layout.kind(i)) {
              case TIMESTAMP_MILLIS -> ((ReadableInstant) v).getMillis();
              // Avro's own string type: Parquet's writer takes its UTF-8 bytes as they are, where a
              // java.lang.String goes through a CharsetEncoder per value.
              case STRING -> new Utf8((String) v);
              case DATE -> layout.days(v);
              case DECIMAL -> ByteBuffer.wrap(layout.decimalBytes(v, i));
              case PLAIN, DOUBLE_AS_DECIMAL, ABSENT -> v;
            });
      }
      return out;
    }

    /** Whether the last schema seen converts by position (else through AvroUtils). */
    boolean positional() {
      return layout != null;
    }
  }

  /**
   * Where each field of an Avro schema comes from in a row of one Beam schema, and how it converts:
   * the plan of {@link ToAvro}, shared with writers that take rows' values without building Avro
   * records (Parquet's row writer).
   */
  public static final class Layout {
    private final Schema avro;
    private final int[] source;
    private final Kind[] kinds;
    private final boolean[] nullable;
    private final LogicalTypes.Decimal[] decimals;

    private Layout(Schema avro, int n) {
      this.avro = avro;
      this.source = new int[n];
      this.kinds = new Kind[n];
      this.nullable = new boolean[n];
      this.decimals = new LogicalTypes.Decimal[n];
    }

    /**
     * The plan, or null when some field does not convert by position (left to {@link AvroUtils}).
     */
    public static Layout of(Schema avro, org.apache.beam.sdk.schemas.Schema beam) {
      List<Schema.Field> fields = avro.getFields();
      Layout l = new Layout(avro, fields.size());
      for (Schema.Field f : fields) {
        int i = f.pos();
        Schema s = f.schema();
        l.nullable[i] = isNullableUnion(s);
        Kind k = beam.hasField(f.name()) ? kindOf(s, beam.getField(f.name()).getType()) : null;
        if (k == null || k == Kind.DOUBLE_AS_DECIMAL) {
          return null;
        }
        if (k == Kind.DECIMAL) {
          l.decimals[i] = (LogicalTypes.Decimal) nonNull(s).getLogicalType();
        }
        l.source[i] = beam.indexOf(f.name());
        l.kinds[i] = k;
      }
      return l;
    }

    public int size() {
      return kinds.length;
    }

    public Kind kind(int i) {
      return kinds[i];
    }

    public String name(int i) {
      return avro.getFields().get(i).name();
    }

    /** The position in the row of field i's value. */
    public int source(int i) {
      return source[i];
    }

    /** Field i's value in the row, or null; a null in a field that is not nullable is an error. */
    public Object value(Row row, int i) {
      Object v = row.getValue(source[i]);
      if (v == null) {
        checkNull(i);
      }
      return v;
    }

    /** Refuses a null in field i when the field is not nullable. */
    public void checkNull(int i) {
      if (!nullable[i]) {
        throw new IllegalArgumentException(
            "field " + name(i) + " of " + avro.getName() + " is null but not nullable");
      }
    }

    /** A {@code date} field's value given as epoch millis (midnight UTC), as days. */
    public int daysOfMillis(long millis) {
      return (int) Math.floorDiv(millis, DAY_MILLIS);
    }

    /** A {@code date} field's value (an instant at midnight UTC) as days since the epoch. */
    public int days(Object v) {
      return daysOfMillis(((ReadableInstant) v).getMillis());
    }

    /** A {@code decimal} field's value as Avro's bytes: it must fit the column exactly. */
    public byte[] decimalBytes(Object v, int i) {
      return AvroRows.decimalBytes((BigDecimal) v, decimals[i], name(i));
    }
  }

  /**
   * Converts records (of any projection of a schema) to rows of one Beam schema. Not thread-safe.
   */
  public static final class ToRow {
    private final org.apache.beam.sdk.schemas.Schema beam;
    private Schema planned;
    private int[] source;
    private Kind[] kinds;
    private int[] scales;

    public ToRow(org.apache.beam.sdk.schemas.Schema beam) {
      this.beam = beam;
    }

    public Row apply(GenericRecord record) {
      if (record.getSchema() != planned) {
        plan(record.getSchema());
      }
      if (kinds == null) {
        return AvroUtils.toBeamRowStrict(record, beam);
      }
      List<Object> values = new ArrayList<>(kinds.length);
      for (int j = 0; j < kinds.length; j++) {
        Object v = kinds[j] == Kind.ABSENT ? null : record.get(source[j]);
        if (v == null) {
          if (!beam.getField(j).getType().getNullable()) {
            throw new IllegalArgumentException(
                "field " + beam.getField(j).getName() + " is null but not nullable");
          }
          values.add(null);
          continue;
        }
        values.add(
            switch (kinds[j]) {
              case STRING -> v.toString();
              case TIMESTAMP_MILLIS -> new Instant(((Number) v).longValue());
              case DATE -> new Instant(((Number) v).longValue() * DAY_MILLIS);
              case DECIMAL -> decimal(v, scales[j]);
              case DOUBLE_AS_DECIMAL -> decimal(v, 2);
              case PLAIN, ABSENT -> v;
            });
      }
      return Row.withSchema(beam).attachValues(values);
    }

    boolean positional() {
      return kinds != null;
    }

    private void plan(Schema avro) {
      planned = avro;
      source = new int[beam.getFieldCount()];
      kinds = new Kind[beam.getFieldCount()];
      scales = new int[beam.getFieldCount()];
      for (int j = 0; j < beam.getFieldCount(); j++) {
        org.apache.beam.sdk.schemas.Schema.Field f = beam.getField(j);
        Schema.Field a = avro.getField(f.getName());
        if (a == null && f.getType().getNullable()) {
          kinds[j] = Kind.ABSENT;
          continue;
        }
        if (a == null) {
          kinds = null;
          return;
        }
        Kind k = kindOf(a.schema(), f.getType());
        if (k == null) {
          kinds = null;
          return;
        }
        if (k == Kind.DECIMAL) {
          scales[j] = ((LogicalTypes.Decimal) nonNull(a.schema()).getLogicalType()).getScale();
        }
        source[j] = a.pos();
        kinds[j] = k;
      }
    }
  }

  /** A union's first branch that is not null; any other schema as it is. */
  public static Schema nonNull(Schema s) {
    return s.getType() == Schema.Type.UNION
        ? s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElse(s)
        : s;
  }

  /**
   * An Avro decimal's value (its bytes) at its scale; a double, written by a version from before
   * the field became a decimal, rounded half-up to that scale.
   */
  public static BigDecimal decimal(Object avroValue, int scale) {
    if (avroValue instanceof ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      return new BigDecimal(new BigInteger(bytes), scale);
    }
    return BigDecimal.valueOf(((Number) avroValue).doubleValue())
        .setScale(scale, RoundingMode.HALF_UP);
  }

  /** A decimal as Avro's bytes: the value must fit the column's scale and precision exactly. */
  private static byte[] decimalBytes(BigDecimal v, LogicalTypes.Decimal type, String field) {
    BigDecimal scaled;
    try {
      scaled = v.setScale(type.getScale(), RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "field "
              + field
              + ": "
              + v.toPlainString()
              + " has more than "
              + type.getScale()
              + " decimal places",
          e);
    }
    if (scaled.precision() > type.getPrecision()) {
      throw new IllegalArgumentException(
          "field "
              + field
              + ": "
              + v.toPlainString()
              + " does not fit DECIMAL("
              + type.getPrecision()
              + ","
              + type.getScale()
              + ")");
    }
    if (type.getPrecision() > 18) {
      return scaled.unscaledValue().toByteArray();
    }
    // the unscaled value fits a long: its minimal two's-complement bytes, as BigInteger.toByteArray
    long u = scaled.movePointRight(type.getScale()).longValue();
    int n = (64 - Long.numberOfLeadingZeros(u < 0 ? ~u : u)) / 8 + 1;
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (u >> (8 * (n - 1 - i)));
    }
    return b;
  }

  private static boolean isNullableUnion(Schema s) {
    return s.getType() == Schema.Type.UNION
        && s.getTypes().size() == 2
        && s.getTypes().get(0).getType() == Schema.Type.NULL;
  }

  /**
   * How a value of this Avro field type (a nullable union by its non-null branch) and Beam type
   * converts, or null when left to AvroUtils.
   */
  private static Kind kindOf(Schema field, org.apache.beam.sdk.schemas.Schema.FieldType beam) {
    if (field.getType() == Schema.Type.UNION && !isNullableUnion(field)) {
      return null;
    }
    Schema s = isNullableUnion(field) ? field.getTypes().get(1) : field;
    LogicalType logical = s.getLogicalType();
    org.apache.beam.sdk.schemas.Schema.TypeName t = beam.getTypeName();
    if (logical instanceof LogicalTypes.TimestampMillis) {
      return s.getType() == Schema.Type.LONG
              && t == org.apache.beam.sdk.schemas.Schema.TypeName.DATETIME
          ? Kind.TIMESTAMP_MILLIS
          : null;
    }
    if (logical instanceof LogicalTypes.Date) {
      return t == org.apache.beam.sdk.schemas.Schema.TypeName.DATETIME ? Kind.DATE : null;
    }
    boolean decimal = t == org.apache.beam.sdk.schemas.Schema.TypeName.DECIMAL || Cents.is(beam);
    if (logical instanceof LogicalTypes.Decimal) {
      return s.getType() == Schema.Type.BYTES && decimal ? Kind.DECIMAL : null;
    }
    if (logical != null) {
      return null;
    }
    if (s.getType() == Schema.Type.DOUBLE && decimal) {
      return Kind.DOUBLE_AS_DECIMAL;
    }
    return switch (s.getType()) {
      case INT -> t == org.apache.beam.sdk.schemas.Schema.TypeName.INT32 ? Kind.PLAIN : null;
      case LONG -> t == org.apache.beam.sdk.schemas.Schema.TypeName.INT64 ? Kind.PLAIN : null;
      case DOUBLE -> t == org.apache.beam.sdk.schemas.Schema.TypeName.DOUBLE ? Kind.PLAIN : null;
      case BOOLEAN -> t == org.apache.beam.sdk.schemas.Schema.TypeName.BOOLEAN ? Kind.PLAIN : null;
      case STRING -> t == org.apache.beam.sdk.schemas.Schema.TypeName.STRING ? Kind.STRING : null;
      default -> null;
    };
  }
}
