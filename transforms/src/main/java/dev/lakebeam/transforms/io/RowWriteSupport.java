package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.transforms.records.FlatRows;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.joda.time.ReadableInstant;

/**
 * Writes rows straight into Parquet's columns, in the file layout that Avro's writer gives the
 * lake's schema (same Parquet types, same {@code parquet.avro.schema} in the footer), without an
 * Avro record per row. Each field converts as {@link AvroRows.Layout} plans it; a row whose schema
 * does not map by position goes through {@link AvroRows.ToAvro} and Avro's writer. It also takes
 * the current row of a block's {@link FlatRows} cursor (the batch writers), whose strings go to
 * Parquet as UTF-8 bytes read in place (Parquet copies what it keeps), without a {@code String}.
 */
final class RowWriteSupport extends WriteSupport<Object> {
  private final Schema avro;
  private final AvroWriteSupport<GenericRecord> records;
  private final AvroRows.ToAvro toAvro;
  private RecordConsumer consumer;
  private org.apache.beam.sdk.schemas.Schema planned;
  private AvroRows.Layout layout;
  private final String[] names;
  private final Schema.Type[] types;
  private final Object[] values;
  private final Binary[] decimals;

  RowWriteSupport(Schema avro, MessageType parquet) {
    this.avro = avro;
    this.records = new AvroWriteSupport<>(parquet, avro, GenericData.get());
    this.toAvro = new AvroRows.ToAvro(avro);
    int n = avro.getFields().size();
    this.names = new String[n];
    this.types = new Schema.Type[n];
    this.values = new Object[n];
    this.decimals = new Binary[n];
    for (Schema.Field f : avro.getFields()) {
      names[f.pos()] = f.name();
      types[f.pos()] = AvroRows.nonNull(f.schema()).getType();
    }
  }

  @Override
  public String getName() {
    return records.getName();
  }

  @Override
  public WriteContext init(Configuration configuration) {
    WriteContext context = records.init(configuration);
    return new WriteContext(context.getSchema(), Map.copyOf(context.getExtraMetaData()));
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.consumer = recordConsumer;
    records.prepareForWrite(recordConsumer);
  }

  @Override
  public void write(Object value) {
    if (value instanceof FlatRows flat) {
      write(flat);
    } else {
      write((Row) value);
    }
  }

  private void write(Row row) {
    if (row.getSchema() != planned) {
      plan(row.getSchema());
    }
    if (layout == null) {
      records.write(toAvro.apply(row));
      return;
    }
    // Every value is converted (and checked) before the record starts: a refused row leaves no
    // half-written record behind.
    for (int i = 0; i < names.length; i++) {
      Object v = layout.value(row, i);
      values[i] =
          v == null
              ? null
              : switch (layout.kind(i)) {
                case TIMESTAMP_MILLIS -> ((ReadableInstant) v).getMillis();
                case DATE -> layout.days(v);
                case STRING ->
                    Binary.fromConstantByteArray(((String) v).getBytes(StandardCharsets.UTF_8));
                case DECIMAL -> Binary.fromConstantByteArray(layout.decimalBytes(v, i));
                default -> v;
              };
    }
    consumer.startMessage();
    for (int i = 0; i < names.length; i++) {
      Object v = values[i];
      if (v == null) {
        continue;
      }
      consumer.startField(names[i], i);
      if (v instanceof Binary b) {
        consumer.addBinary(b);
      } else {
        switch (types[i]) {
          case INT -> consumer.addInteger((Integer) v);
          case LONG -> consumer.addLong((Long) v);
          case DOUBLE -> consumer.addDouble((Double) v);
          case BOOLEAN -> consumer.addBoolean((Boolean) v);
          default ->
              throw new IllegalStateException(
                  "field " + names[i] + " of " + avro.getName() + " has type " + types[i]);
        }
      }
      consumer.endField(names[i], i);
    }
    consumer.endMessage();
  }

  /** The cursor's current row; its schema must map by position ({@link #writesFlat}). */
  private void write(FlatRows row) {
    if (row.schema() != planned) {
      plan(row.schema());
    }
    AvroRows.Layout l = layout;
    if (l == null) {
      throw new IllegalArgumentException(
          row.schema() + " does not map by position onto " + avro.getName());
    }
    // As for a row: nulls and decimals are checked before the record starts.
    for (int i = 0; i < decimals.length; i++) {
      int s = l.source(i);
      if (row.isNull(s)) {
        l.checkNull(i);
      } else if (l.kind(i) == AvroRows.Kind.DECIMAL) {
        decimals[i] =
            Binary.fromConstantByteArray(l.decimalBytes(BigDecimal.valueOf(row.number(s), 2), i));
      }
    }
    consumer.startMessage();
    for (int i = 0; i < decimals.length; i++) {
      int s = l.source(i);
      if (row.isNull(s)) {
        continue;
      }
      consumer.startField(names[i], i);
      switch (l.kind(i)) {
        // String.getBytes(UTF_8) of the value, in the block or assembled: the row path's bytes
        case STRING ->
            consumer.addBinary(
                Binary.fromReusedByteArray(row.bytes(s), row.offset(s), row.length(s)));
        case DECIMAL -> consumer.addBinary(decimals[i]);
        case TIMESTAMP_MILLIS -> consumer.addLong(row.number(s));
        case DATE -> consumer.addInteger(l.daysOfMillis(row.number(s)));
        default -> {
          long v = row.number(s);
          switch (types[i]) {
            case INT -> consumer.addInteger((int) v);
            case LONG -> consumer.addLong(v);
            case DOUBLE -> consumer.addDouble(Double.longBitsToDouble(v));
            case BOOLEAN -> consumer.addBoolean(v != 0);
            default ->
                throw new IllegalStateException(
                    "field " + names[i] + " of " + avro.getName() + " has type " + types[i]);
          }
        }
      }
      consumer.endField(names[i], i);
    }
    consumer.endMessage();
  }

  /**
   * Whether rows of this schema can be written to the Avro schema from a {@link FlatRows} cursor.
   */
  static boolean writesFlat(Schema avro, org.apache.beam.sdk.schemas.Schema beam) {
    return FlatRows.supports(beam) && AvroRows.Layout.of(avro, beam) != null;
  }

  private void plan(org.apache.beam.sdk.schemas.Schema beam) {
    planned = beam;
    layout = AvroRows.Layout.of(avro, beam);
  }
}
