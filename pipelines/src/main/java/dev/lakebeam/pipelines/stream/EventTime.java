package dev.lakebeam.pipelines.stream;

import dev.lakebeam.transforms.stream.EventFields;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.joda.time.Instant;

/**
 * The event time of a record, for the watermark: its trusted time field, or its arrival when it has
 * none (the parser rejects it).
 */
final class EventTime implements SerializableFunction<KinesisRecord, Instant> {
  private final String field;

  EventTime(String field) {
    this.field = field;
  }

  @Override
  public Instant apply(KinesisRecord r) {
    Instant t =
        EventFields.eventTime(new String(r.getDataAsBytes(), StandardCharsets.UTF_8), field);
    return t == null ? r.getApproximateArrivalTimestamp() : t;
  }
}
