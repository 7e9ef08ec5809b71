package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;

/** The int keys records are bucketed by for a batch join: a field of the record, null as 0. */
public final class BucketKeys {
  private BucketKeys() {}

  /**
   * The record's int field, or 0 when it is null (such records meet in one bucket and are rejected
   * there).
   */
  public static int of(Row record, String field) {
    Integer key = record.getInt32(field);
    return key == null ? 0 : key;
  }

  /** The key of the record inside a parse envelope ({@link Envelope#record}). */
  public static SerializableFunction<Row, Integer> ofEnvelope(String field) {
    return envelope -> of(Envelope.record(envelope), field);
  }
}
