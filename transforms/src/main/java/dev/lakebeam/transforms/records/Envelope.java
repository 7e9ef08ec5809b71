package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A parsed record on its way to the clean zone, with what a dead letter needs if it is rejected
 * later (the raw payload and where it came from) and what the clean record needs (its source).
 */
public final class Envelope {
  private Envelope() {}

  public static Schema schema(Schema record) {
    return Schema.builder()
        .addRowField("record", record)
        .addStringField("source_dataset")
        .addStringField("source")
        .addStringField("source_ref")
        .addStringField("payload")
        .build();
  }

  /**
   * The envelope's values are attached, not matched against the schema one by one: the record was
   * built (and checked) by its own builder, the rest are strings, and Beam's matching of a nested
   * row would resolve the nested schema's field access again for every envelope.
   */
  public static Row wrap(
      Schema envelopeSchema,
      Row record,
      String sourceDataset,
      String source,
      String ref,
      String payload) {
    Schema expected = envelopeSchema.getField(0).getType().getRowSchema();
    if (record.getSchema() != expected && !record.getSchema().equals(expected)) {
      throw new IllegalArgumentException(
          "record schema " + record.getSchema() + " is not the envelope's");
    }
    return Row.withSchema(envelopeSchema).attachValues(record, sourceDataset, source, ref, payload);
  }

  /** The record, the first field: read by position, a name lookup per record adds up. */
  public static Row record(Row envelope) {
    return envelope.getRow(0);
  }

  /** Where the record came from (a file or table). */
  public static String source(Row envelope) {
    return envelope.getString(2);
  }

  /** The record's place in its source (file:line, table:key). */
  public static String sourceRef(Row envelope) {
    return envelope.getString(3);
  }

  /**
   * The envelope with an empty payload, for a record no later step can reject (a real payload is
   * never empty: blank lines are not records). {@link #payload} refuses to hand it out.
   */
  public static Row withoutPayload(Row envelope) {
    return Row.withSchema(envelope.getSchema())
        .attachValues(
            envelope.getValue(0),
            envelope.getValue(1),
            envelope.getValue(2),
            envelope.getValue(3),
            DROPPED);
  }

  private static final String DROPPED = "";

  /**
   * The raw payload, for a dead letter; fails if the reader dropped it ({@link #withoutPayload}).
   */
  public static String payload(Row envelope) {
    String p = envelope.getString(4);
    if (p == null || p.isEmpty()) {
      throw new IllegalStateException(
          "the payload of "
              + sourceRef(envelope)
              + " was dropped by its reader: a step that"
              + " rejects records of "
              + envelope.getString(1)
              + " needs them read with it");
    }
    return p;
  }

  public static Row withRecord(Row envelope, Row record) {
    return wrap(
        envelope.getSchema(),
        record,
        envelope.getString("source_dataset"),
        envelope.getString("source"),
        envelope.getString("source_ref"),
        envelope.getString("payload"));
  }
}
