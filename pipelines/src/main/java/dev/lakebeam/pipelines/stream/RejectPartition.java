package dev.lakebeam.pipelines.stream;

import dev.lakebeam.transforms.records.Rejects;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;

/** Rejects go to {dataset}/ingest_date= of the day they are written. */
final class RejectPartition implements SerializableFunction<Row, String> {
  @Override
  public String apply(Row r) {
    return Rejects.partition(r, LocalDate.now(ZoneOffset.UTC));
  }
}
