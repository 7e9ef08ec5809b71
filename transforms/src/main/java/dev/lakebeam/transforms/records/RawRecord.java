package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.SourceDataset;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A record as received, before parsing: one CSV record (possibly spanning lines) or one JSON line,
 * with where it came from. For CSV, {@code header} is the file's header line.
 */
public final class RawRecord {
  public static final Schema SCHEMA =
      Schema.builder()
          .addStringField("dataset")
          .addStringField("source")
          .addStringField("source_ref")
          .addNullableField("header", Schema.FieldType.STRING)
          .addStringField("payload")
          .build();

  private RawRecord() {}

  public static Row of(
      SourceDataset dataset, String source, String sourceRef, String header, String payload) {
    return Row.withSchema(SCHEMA)
        .addValues(dataset.sourceName(), source, sourceRef, header, payload)
        .build();
  }

  public static SourceDataset dataset(Row raw) {
    return SourceDataset.bySourceName(raw.getString("dataset")).orElseThrow();
  }
}
