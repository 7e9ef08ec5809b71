package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.ProtectRejects;
import dev.lakebeam.transforms.curated.EnrichOrderLines;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.stream.ClickSessions;
import dev.lakebeam.transforms.stream.DepartmentSalesPerMinute;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The stream's transforms between its reads and its writes ({@link StreamIo}): in event-time
 * windows, split, parse and clean the records with the shared transforms, and build the consumption
 * tables.
 */
final class StreamStages {
  private StreamStages() {}

  /**
   * How the stream cleans and aggregates: redelivery horizon, window, allowed lateness, early
   * firings, clean settings.
   */
  record Settings(
      Duration horizon,
      Duration window,
      Duration lateness,
      Duration earlyFiring,
      CleanConfig cfg) {}

  /**
   * The stream's transforms after the read, for records keyed by event id and stamped with their
   * event time (as {@link ToRawFn} makes them): redeliveries within the horizon dropped; then, in
   * fixed event-time windows fired when the watermark passes and once per late record until the
   * allowed lateness ends (panes discarded), the shared split/parse/clean, and the minute and
   * session tables.
   */
  static Streamed process(
      Pipeline p,
      Map<SourceDataset, PCollection<KV<String, Row>>> keyed,
      Map<Dataset, PCollection<Row>> dimensions,
      Settings settings) {
    // Fired when the watermark passes the window, then once per late record; panes are discarded
    // (a late record is cleaned and written on its own, deduped within its pane).
    Window<Row> windows =
        Window.<Row>into(FixedWindows.of(settings.window()))
            .withAllowedLateness(settings.lateness(), Window.ClosingBehavior.FIRE_IF_NON_EMPTY)
            // no empty panes: every group has records
            .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY)
            .discardingFiredPanes();
    Map<SourceDataset, PCollection<Row>> parsed = new EnumMap<>(SourceDataset.class);
    List<PCollection<Row>> rejects = new ArrayList<>();
    List<PCollection<KV<String, String>>> rawLines = new ArrayList<>();
    for (Map.Entry<SourceDataset, PCollection<KV<String, Row>>> e : keyed.entrySet()) {
      rawLines.add(StreamParse.rawLines(e.getKey(), e.getValue()));
      StreamParse.parse(e.getKey(), e.getValue(), windows, settings.horizon(), parsed, rejects);
    }
    List<SourceDataset> read = List.copyOf(parsed.keySet()); // the datasets of the streams read
    // The others: empty, but windowed like the rest, so that the clean stage's flattens agree.
    for (SourceDataset d : SourceDataset.values()) {
      if (!parsed.containsKey(d)) {
        Schema schema = Envelope.schema(d.parseSchema());
        parsed.put(
            d,
            p.apply("No " + d.sourceName(), Create.empty(SchemaCoder.of(schema)))
                .setRowSchema(schema)
                .apply("Windows of no " + d.sourceName(), windows));
      }
    }
    CleanRecords.Output cleaned =
        Pipeline.applyTransform(
            "Clean",
            CleanRecords.Input.of(p, parsed).withExisting(dimensions),
            CleanRecords.with(settings.cfg()));
    Map<Dataset, PCollection<Row>> clean = new EnumMap<>(Dataset.class);
    read.forEach(d -> clean.put(d.target(), cleaned.clean(d.target())));
    rejects.add(cleaned.rejects());
    PCollection<Row> allRejects =
        PCollectionList.of(rejects)
            .apply("All rejects", Flatten.pCollections())
            .setRowSchema(Rejects.SCHEMA)
            .apply("Protect rejects", ProtectRejects.with(settings.cfg().tokenizer()));
    PCollection<Row> departmentSales =
        !keyed.containsKey(SourceDataset.ORDERS)
            ? null
            : cleaned
                .clean(Dataset.ORDER_LINES)
                .apply(
                    "Enrich",
                    new EnrichOrderLines(
                        cleaned.clean(Dataset.ORDERS),
                        dimensions.get(Dataset.PRODUCTS),
                        dimensions.get(Dataset.AISLES),
                        dimensions.get(Dataset.DEPARTMENTS)))
                .apply(
                    "Department sales per minute",
                    DepartmentSalesPerMinute.with(settings.earlyFiring(), settings.lateness()));
    PCollection<Row> clickSessions =
        !keyed.containsKey(SourceDataset.CLICK_EVENTS)
            ? null
            : cleaned
                .clean(Dataset.CLICK_EVENTS)
                .apply(
                    "Click sessions", ClickSessions.with(ClickSessions.GAP, settings.lateness()));
    PCollection<KV<String, String>> raw =
        PCollectionList.of(rawLines).apply("All raw records", Flatten.pCollections());
    return new Streamed(raw, clean, allRejects, departmentSales, clickSessions);
  }
}
