package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.ParseRecords;
import dev.lakebeam.transforms.parse.SplitOrderEvents;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * One stream's records up to the clean stage: raw lines, redeliveries dropped, windowed, split and
 * parsed.
 */
final class StreamParse {
  private StreamParse() {}

  /** Raw delivery lands every record read, redeliveries included, like Firehose. */
  static PCollection<KV<String, String>> rawLines(
      SourceDataset s, PCollection<KV<String, Row>> records) {
    return records
        .apply("Raw lines of " + s.kinesis().name(), MapElements.via(new RawLine()))
        .setCoder(RawLine.CODER);
  }

  /**
   * Drops redeliveries within the horizon, windows the rest, and parses them into {@code parsed}
   * and {@code rejects}.
   */
  static void parse(
      SourceDataset s,
      PCollection<KV<String, Row>> records,
      Window<Row> windows,
      Duration horizon,
      Map<SourceDataset, PCollection<Row>> parsed,
      List<PCollection<Row>> rejects) {
    String id = s.kinesis().name();
    PCollection<Row> windowed =
        records
            .apply(
                "Drop redeliveries of " + id,
                Deduplicate.<String, Row>keyedValues().withDuration(horizon))
            .apply("Unique records of " + id, ParDo.of(new UniqueFn(s)))
            .setRowSchema(RawRecord.SCHEMA)
            .apply("Windows of " + id, windows);
    if (s == SourceDataset.ORDERS) {
      PCollectionTuple split = windowed.apply("Split order events", new SplitOrderEvents());
      rejects.add(split.get(Rejects.TAG));
      parse(split.get(SplitOrderEvents.ORDERS), SourceDataset.ORDERS, parsed, rejects);
      parse(split.get(SplitOrderEvents.ORDER_LINES), SourceDataset.ORDER_LINES, parsed, rejects);
    } else {
      parse(windowed, s, parsed, rejects);
    }
  }

  private static void parse(
      PCollection<Row> raws,
      SourceDataset d,
      Map<SourceDataset, PCollection<Row>> parsed,
      List<PCollection<Row>> rejects) {
    PCollectionTuple t =
        raws.apply("Parse " + d.sourceName(), ParseRecords.of(d, SourceDataset.Format.JSON));
    rejects.add(t.get(Rejects.TAG));
    parsed.put(d, t.get(ParseRecords.PARSED));
  }
}
