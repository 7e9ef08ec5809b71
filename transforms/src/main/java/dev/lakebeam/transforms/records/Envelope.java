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

  public static Row wrap(Schema envelopeSchema, Row record, String sourceDataset, String source, String ref, String payload) {
    return Row.withSchema(envelopeSchema).addValues(record, sourceDataset, source, ref, payload).build();
  }

  public static Row record(Row envelope) {
    return envelope.getRow("record");
  }

  public static Row withRecord(Row envelope, Row record) {
    return Row.withSchema(envelope.getSchema())
        .addValues(record, envelope.getString("source_dataset"), envelope.getString("source"),
            envelope.getString("source_ref"), envelope.getString("payload"))
        .build();
  }
}
