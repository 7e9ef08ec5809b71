package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Progress;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;

/**
 * The records left after the redelivery check, counted (the ones in of the accounting for clicks
 * and feedback).
 */
final class UniqueFn extends DoFn<KV<String, Row>, Row> {
  /** The counter of records left per source (its id follows). */
  static final String UNIQUE = "kinesis_unique.";

  private final Progress unique;
  private final Progress in;

  UniqueFn(SourceDataset source) {
    this.unique = Progress.counter(UNIQUE + source.kinesis().name());
    // Order events are counted by SplitOrderEvents (an event is one order and its lines).
    this.in =
        source == SourceDataset.ORDERS
            ? null
            : Progress.counter(Accounting.IN + source.sourceName());
  }

  @ProcessElement
  public void process(@Element KV<String, Row> r, OutputReceiver<Row> out) {
    unique.inc();
    if (in != null) {
      in.inc();
    }
    out.output(r.getValue());
  }
}
