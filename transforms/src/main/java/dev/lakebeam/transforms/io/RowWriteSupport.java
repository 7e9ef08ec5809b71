package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.AvroRows;
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
 * does not map by position goes through {@link AvroRows.ToAvro} and Avro's writer.
 */
final class RowWriteSupport extends WriteSupport<Row> {
  private final Schema avro;
  private final AvroWriteSupport<GenericRecord> records;
  private final AvroRows.ToAvro toAvro;
  private RecordConsumer consumer;
  private org.apache.beam.sdk.schemas.Schema planned;
  private AvroRows.Layout layout;
  private String[] names;
  private Schema.Type[] types;
  private Object[] values;

  RowWriteSupport(Schema avro, MessageType parquet) {
    this.avro = avro;
    this.records = new AvroWriteSupport<>(parquet, avro, GenericData.get());
    this.toAvro = new AvroRows.ToAvro(avro);
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
  public void write(Row row) {
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

  private void plan(org.apache.beam.sdk.schemas.Schema beam) {
    planned = beam;
    layout = AvroRows.Layout.of(avro, beam);
    if (layout != null) {
      names = new String[layout.size()];
      types = new Schema.Type[layout.size()];
      values = new Object[layout.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = layout.name(i);
        types[i] = layout.type(i);
      }
    }
  }
}
