package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.stream.StreamPipeline.Source;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.ProtectRejects;
import dev.lakebeam.transforms.curated.EnrichOrderLines;
import dev.lakebeam.transforms.io.DeliverRaw;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.parse.ParseRecords;
import dev.lakebeam.transforms.parse.SplitOrderEvents;
import dev.lakebeam.transforms.records.CountReasons;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.schemas.SourceDataset;
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
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The stream's wiring: per stream, read and key its records, deliver them raw, and in event-time
 * windows split, parse and clean them with the shared transforms; write the clean datasets, the
 * rejects and the consumption tables as Parquet.
 */
final class StreamStages {
  private StreamStages() {}

  /** How the stream cleans and aggregates: redelivery horizon, window, allowed lateness, early firings, clean settings. */
  record Settings(Duration horizon, Duration window, Duration lateness, Duration earlyFiring, CleanConfig cfg) {}

  static void build(Pipeline p, StreamPlan plan) {
    Map<Source, PCollection<KV<String, Row>>> keyed = new EnumMap<>(Source.class);
    for (Source s : plan.sources) {
      String name = plan.names.get(s);
      keyed.put(s, p.apply("Read " + name, plan.read(s))
          .apply("Records of " + name, ParDo.of(new ToRawFn(s, name, plan.failOnceAfterRecords)))
          .setCoder(ToRawFn.KEYED_CODER));
    }
    Map<Dataset, PCollection<Row>> dimensions = new EnumMap<>(Dataset.class);
    for (Dataset d : StreamPlan.DIMENSIONS) {
      dimensions.put(d, p.apply("Clean " + d.datasetName(), ReadZone.of(d, plan.clean)));
    }
    Streamed streamed = process(p, keyed, dimensions, plan.settings);
    streamed.rawLines().apply("Deliver raw", DeliverRaw.to(plan.raw, plan.rawBuffer, plan.rawBufferBytes));
    streamed.clean().forEach((d, rows) ->
        rows.apply("Write " + d.datasetName(), WriteParquet.of(d, plan.clean + "/" + d.datasetName(), "stream", 1)));
    streamed.rejects()
        .apply("Count rejects", new CountReasons())
        .apply("Write rejects", WriteParquet.by(Dataset.REJECTS, plan.clean + "/" + Dataset.REJECTED_DIR, "stream", new RejectPartition(), 1));
    if (streamed.departmentSales() != null) {
      streamed.departmentSales().apply("Write department_sales_1m", WriteParquet.of(Dataset.DEPARTMENT_SALES_1M,
          plan.consumption + "/" + Dataset.DEPARTMENT_SALES_1M.datasetName(), "stream", 1));
    }
    if (streamed.clickSessions() != null) {
      streamed.clickSessions().apply("Write click_sessions", WriteParquet.of(Dataset.CLICK_SESSIONS,
          plan.consumption + "/" + Dataset.CLICK_SESSIONS.datasetName(), "stream", 1));
    }
  }

  /**
   * The stream's transforms after the read, for records keyed by event id and stamped with their
   * event time (as {@link ToRawFn} makes them): redeliveries within the horizon dropped; then, in
   * fixed event-time windows fired when the watermark passes and once per late record until the
   * allowed lateness ends (panes discarded), the shared split/parse/clean, and the minute and
   * session tables.
   */
  static Streamed process(Pipeline p, Map<Source, PCollection<KV<String, Row>>> keyed, Map<Dataset, PCollection<Row>> dimensions,
      Settings settings) {
    // Fired when the watermark passes the window, then once per late record; panes are discarded
    // (a late record is cleaned and written on its own, deduped within its pane).
    Window<Row> windows = Window.<Row>into(FixedWindows.of(settings.window()))
        .withAllowedLateness(settings.lateness(), Window.ClosingBehavior.FIRE_IF_NON_EMPTY)
        .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY) // no empty panes: every group has records
        .discardingFiredPanes();
    Map<SourceDataset, PCollection<Row>> parsed = new EnumMap<>(SourceDataset.class);
    List<PCollection<Row>> rejects = new ArrayList<>();
    List<PCollection<KV<String, String>>> rawLines = new ArrayList<>();
    for (Map.Entry<Source, PCollection<KV<String, Row>>> e : keyed.entrySet()) {
      Source s = e.getKey();
      // Raw delivery lands every record read, redeliveries included, like Firehose.
      rawLines.add(e.getValue().apply("Raw lines of " + s.id, MapElements.via(new RawLine())).setCoder(RawLine.CODER));
      PCollection<Row> windowed = e.getValue()
          .apply("Drop redeliveries of " + s.id, Deduplicate.<String, Row>keyedValues().withDuration(settings.horizon()))
          .apply("Unique records of " + s.id, ParDo.of(new UniqueFn(s)))
          .setRowSchema(RawRecord.SCHEMA)
          .apply("Windows of " + s.id, windows);
      if (s == Source.ORDERS) {
        PCollectionTuple split = windowed.apply("Split order events", new SplitOrderEvents());
        rejects.add(split.get(Rejects.TAG));
        parse(split.get(SplitOrderEvents.ORDERS), SourceDataset.ORDERS, parsed, rejects);
        parse(split.get(SplitOrderEvents.ORDER_LINES), SourceDataset.ORDER_LINES, parsed, rejects);
      } else {
        parse(windowed, s.dataset(), parsed, rejects);
      }
    }
    List<SourceDataset> read = List.copyOf(parsed.keySet()); // the datasets of the streams read
    for (SourceDataset d : SourceDataset.values()) {
      if (!parsed.containsKey(d)) { // empty, but windowed like the rest, so that the clean stage's flattens agree
        Schema schema = Envelope.schema(d.parseSchema());
        parsed.put(d, p.apply("No " + d.sourceName(), Create.empty(SchemaCoder.of(schema))).setRowSchema(schema)
            .apply("Windows of no " + d.sourceName(), windows));
      }
    }
    CleanRecords.Output cleaned = Pipeline.applyTransform("Clean",
        CleanRecords.Input.of(p, parsed).withExisting(dimensions), CleanRecords.with(settings.cfg()));
    Map<Dataset, PCollection<Row>> clean = new EnumMap<>(Dataset.class);
    read.forEach(d -> clean.put(d.target(), cleaned.clean(d.target())));
    rejects.add(cleaned.rejects());
    PCollection<Row> allRejects = PCollectionList.of(rejects).apply("All rejects", Flatten.pCollections()).setRowSchema(Rejects.SCHEMA)
        .apply("Protect rejects", ProtectRejects.with(settings.cfg().tokenizer()));
    PCollection<Row> departmentSales = !keyed.containsKey(Source.ORDERS) ? null : cleaned.clean(Dataset.ORDER_LINES)
        .apply("Enrich", new EnrichOrderLines(cleaned.clean(Dataset.ORDERS), dimensions.get(Dataset.PRODUCTS),
            dimensions.get(Dataset.AISLES), dimensions.get(Dataset.DEPARTMENTS)))
        .apply("Department sales per minute", DepartmentSalesPerMinute.with(settings.earlyFiring(), settings.lateness()));
    PCollection<Row> clickSessions = !keyed.containsKey(Source.CLICKSTREAM) ? null : cleaned.clean(Dataset.CLICK_EVENTS)
        .apply("Click sessions", ClickSessions.with(ClickSessions.GAP, settings.lateness()));
    PCollection<KV<String, String>> raw = PCollectionList.of(rawLines).apply("All raw records", Flatten.pCollections());
    return new Streamed(raw, clean, allRejects, departmentSales, clickSessions);
  }

  private static void parse(PCollection<Row> raws, SourceDataset d, Map<SourceDataset, PCollection<Row>> parsed, List<PCollection<Row>> rejects) {
    PCollectionTuple t = raws.apply("Parse " + d.sourceName(), ParseRecords.of(d, SourceDataset.Format.JSON));
    rejects.add(t.get(Rejects.TAG));
    parsed.put(d, t.get(ParseRecords.PARSED));
  }
}
