package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.backfill.Backfill;
import dev.lakebeam.pipelines.cli.UsageException;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.StreamOptions;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.Tokenizer;
import dev.lakebeam.transforms.curated.EnrichOrderLines;
import dev.lakebeam.transforms.io.DeliverRaw;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.parse.ParseRecords;
import dev.lakebeam.transforms.parse.SplitOrderEvents;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.CountReasons;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.SourceDataset;
import dev.lakebeam.transforms.stream.ClickSessions;
import dev.lakebeam.transforms.stream.DepartmentSalesPerMinute;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkParameters;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * The unbounded pipeline (DESIGN §4): Kinesis streams into the raw, clean and consumption zones
 * with the same transforms as the backfill. Per stream: KinesisIO (aws2) with an event-time
 * watermark (the record's {@code order_ts}, {@code ts} or {@code submitted_at}; an idle shard's
 * watermark follows the clock after {@code --idleSeconds}); Firehose-like raw delivery; then, in
 * event-time windows of {@code --windowSeconds}, the shared split/parse/clean (dimensions from the
 * clean zone serve the reference checks), windowed Parquet writes into the clean zone's
 * {@code year=/month=/day=} layout and its rejects, and the near-real-time consumption tables
 * {@code department_sales_1m} and {@code click_sessions}.
 */
public final class StreamPipeline {
  private final StreamOptions o;
  private final PrintStream out;
  private final PrintStream err;

  public StreamPipeline(StreamOptions o, PrintStream out, PrintStream err) {
    this.o = o;
    this.out = out;
    this.err = err;
  }

  /** The streams the pipeline knows, with their source dataset and event-time field. */
  enum Source {
    ORDERS("orders", "order_ts"),
    CLICKSTREAM("clickstream", "ts"),
    FEEDBACK("feedback", "submitted_at");

    final String id;
    final String timeField;

    Source(String id, String timeField) {
      this.id = id;
      this.timeField = timeField;
    }

    String streamName(StreamOptions o) {
      return switch (this) {
        case ORDERS -> o.getOrdersStream();
        case CLICKSTREAM -> o.getClickstreamStream();
        case FEEDBACK -> o.getFeedbackStream();
      };
    }

    static Source of(String id) {
      for (Source s : values()) {
        if (s.id.equals(id)) {
          return s;
        }
      }
      throw new UsageException("--streams takes orders, clickstream, feedback; '" + id + "' is none of them");
    }
  }

  public int run() throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    List<Source> sources = new ArrayList<>();
    for (String id : o.getStreams().split(",")) {
      Source s = Source.of(id.trim());
      if (!sources.contains(s)) {
        sources.add(s);
      }
    }
    Duration maxReadTime = o.getMaxReadTime() == null ? null : duration("--maxReadTime", o.getMaxReadTime());
    InitialPositionInStream position;
    try {
      position = InitialPositionInStream.valueOf(o.getInitialPosition());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--initialPosition takes TRIM_HORIZON, LATEST or AT_TIMESTAMP, was " + o.getInitialPosition());
    }
    Instant startAt = null;
    if (position == InitialPositionInStream.AT_TIMESTAMP) {
      if (o.getInitialTimestamp() == null) {
        throw new UsageException("--initialPosition=AT_TIMESTAMP needs --initialTimestamp=ISO-8601 instant");
      }
      try {
        startAt = new Instant(java.time.Instant.parse(o.getInitialTimestamp()).toEpochMilli());
      } catch (java.time.format.DateTimeParseException e) {
        throw new UsageException("--initialTimestamp must be an ISO-8601 instant, was " + o.getInitialTimestamp());
      }
    }
    if (o.getWindowSeconds() < 1 || o.getAllowedLatenessSeconds() < 0 || o.getEarlyFiringSeconds() < 1
        || o.getRawBufferSeconds() < 1 || o.getRawBufferBytes() < 1 || o.getIdleSeconds() < 1) {
      throw new UsageException("--windowSeconds, --earlyFiringSeconds, --rawBufferSeconds, --rawBufferBytes and --idleSeconds "
          + "must be positive, --allowedLatenessSeconds not negative");
    }
    String raw = LakeOptions.zonePath(o, Zone.RAW);
    String clean = LakeOptions.zonePath(o, Zone.CLEAN);
    String consumption = LakeOptions.zonePath(o, Zone.CONSUMPTION);
    for (Dataset d : List.of(Dataset.DEPARTMENTS, Dataset.AISLES, Dataset.PRODUCTS)) {
      var m = FileSystems.match(clean + "/" + d.datasetName() + "/**.parquet", org.apache.beam.sdk.io.fs.EmptyMatchTreatment.ALLOW);
      if (m.metadata().isEmpty()) {
        throw new UsageException("no " + d.datasetName() + " in " + clean + ": the stream checks references against the clean "
            + "zone's dimensions; backfill them first");
      }
    }
    Tokenizer tokenizer = new Tokenizer(Backfill.hmacKey(o.getHmacKeyEnv(), o.getAllowDevHmacKey(), err, "stream")
        .getBytes(StandardCharsets.UTF_8));
    CleanConfig cfg = new CleanConfig(Instant.now(), 60 * 60_000L, tokenizer, OrderTimestamps.DEFAULT_AS_OF, null, null);
    o.as(StreamingOptions.class).setStreaming(true);

    Pipeline p = Pipeline.create(o);
    Duration lateness = Duration.standardSeconds(o.getAllowedLatenessSeconds());
    // Fired when the watermark passes the window, then once per late record; panes are discarded
    // (a late record is cleaned and written on its own, deduped within its pane).
    Window<Row> windows = Window.<Row>into(FixedWindows.of(Duration.standardSeconds(o.getWindowSeconds())))
        .withAllowedLateness(lateness, Window.ClosingBehavior.FIRE_IF_NON_EMPTY)
        .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY) // no empty panes: every group has records
        .discardingFiredPanes();
    Map<SourceDataset, PCollection<Row>> parsed = new EnumMap<>(SourceDataset.class);
    List<PCollection<Row>> rejects = new ArrayList<>();
    List<PCollection<KV<String, String>>> rawRecords = new ArrayList<>();
    for (Source s : sources) {
      String name = s.streamName(o);
      KinesisIO.Read read = KinesisIO.read()
          .withStreamName(name)
          .withCustomWatermarkPolicy(WatermarkPolicyFactory.withCustomWatermarkPolicy(WatermarkParameters.create()
              .withTimestampFn(new EventTime(s.timeField))
              .withWatermarkIdleDurationThreshold(Duration.standardSeconds(o.getIdleSeconds()))));
      read = startAt == null ? read.withInitialPositionInStream(position) : read.withInitialTimestampInStream(startAt);
      if (maxReadTime != null) {
        read = read.withMaxReadTime(maxReadTime);
      }
      PCollection<Row> records = p.apply("Read " + name, read)
          .apply("Records of " + name, ParDo.of(new ToRawFn(s, name)))
          .setRowSchema(RawRecord.SCHEMA);
      rawRecords.add(records.apply("Raw lines of " + name, MapElements
              .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
              .via((Row r) -> KV.of(r.getString("source_ref").substring(0, r.getString("source_ref").indexOf(':')), r.getString("payload"))))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())));
      PCollection<Row> windowed = records.apply("Windows of " + name, windows);
      if (s == Source.ORDERS) {
        PCollectionTuple split = windowed.apply("Split order events", new SplitOrderEvents());
        rejects.add(split.get(Rejects.TAG));
        parse(split.get(SplitOrderEvents.ORDERS), SourceDataset.ORDERS, parsed, rejects);
        parse(split.get(SplitOrderEvents.ORDER_LINES), SourceDataset.ORDER_LINES, parsed, rejects);
      } else {
        parse(windowed, s == Source.CLICKSTREAM ? SourceDataset.CLICK_EVENTS : SourceDataset.FEEDBACK, parsed, rejects);
      }
    }
    PCollectionList.of(rawRecords).apply("All raw records", Flatten.pCollections())
        .apply("Deliver raw", DeliverRaw.to(raw, Duration.standardSeconds(o.getRawBufferSeconds()), o.getRawBufferBytes()));
    for (SourceDataset d : SourceDataset.values()) {
      if (!parsed.containsKey(d)) { // empty, but windowed like the rest, so that the clean stage's flattens agree
        Schema s = Envelope.schema(d.parseSchema());
        parsed.put(d, p.apply("No " + d.sourceName(), Create.empty(SchemaCoder.of(s))).setRowSchema(s)
            .apply("Windows of no " + d.sourceName(), windows));
      }
    }
    Map<Dataset, PCollection<Row>> dimensions = new EnumMap<>(Dataset.class);
    for (Dataset d : List.of(Dataset.DEPARTMENTS, Dataset.AISLES, Dataset.PRODUCTS)) {
      dimensions.put(d, p.apply("Clean " + d.datasetName(), ReadZone.of(d, clean)));
    }
    CleanRecords.Output cleaned = Pipeline.applyTransform("Clean",
        CleanRecords.Input.of(p, parsed).withExisting(dimensions), CleanRecords.with(cfg));
    List<Dataset> written = new ArrayList<>();
    if (sources.contains(Source.ORDERS)) {
      written.add(Dataset.ORDERS);
      written.add(Dataset.ORDER_LINES);
    }
    if (sources.contains(Source.CLICKSTREAM)) {
      written.add(Dataset.CLICK_EVENTS);
    }
    if (sources.contains(Source.FEEDBACK)) {
      written.add(Dataset.FEEDBACK);
    }
    for (Dataset d : written) {
      cleaned.clean(d).apply("Write " + d.datasetName(), WriteParquet.of(d, clean + "/" + d.datasetName(), "stream", 1));
    }
    rejects.add(cleaned.rejects());
    PCollectionList.of(rejects).apply("All rejects", Flatten.pCollections()).setRowSchema(Rejects.SCHEMA)
        .apply("Count rejects", new CountReasons())
        .apply("Write rejects", WriteParquet.by(Dataset.REJECTS, clean + "/" + Dataset.REJECTED_DIR, "stream",
            new RejectPartition(), 1));
    if (sources.contains(Source.ORDERS)) {
      cleaned.clean(Dataset.ORDER_LINES)
          .apply("Enrich", new EnrichOrderLines(cleaned.clean(Dataset.ORDERS), dimensions.get(Dataset.PRODUCTS),
              dimensions.get(Dataset.AISLES), dimensions.get(Dataset.DEPARTMENTS)))
          .apply("Department sales per minute",
              DepartmentSalesPerMinute.with(Duration.standardSeconds(o.getEarlyFiringSeconds()), lateness))
          .apply("Write department_sales_1m", WriteParquet.of(Dataset.DEPARTMENT_SALES_1M,
              consumption + "/" + Dataset.DEPARTMENT_SALES_1M.datasetName(), "stream", 1));
    }
    if (sources.contains(Source.CLICKSTREAM)) {
      cleaned.clean(Dataset.CLICK_EVENTS)
          .apply("Click sessions", ClickSessions.with(ClickSessions.GAP, lateness))
          .apply("Write click_sessions", WriteParquet.of(Dataset.CLICK_SESSIONS,
              consumption + "/" + Dataset.CLICK_SESSIONS.datasetName(), "stream", 1));
    }

    err.println("stream: reading " + sources.stream().map(s -> s.streamName(o)).toList() + " from " + position
        + (maxReadTime == null ? " until cancelled" : " for " + maxReadTime.getStandardSeconds() + " s"));
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the stream ended in state " + state);
    }
    Map<String, Long> counters = Backfill.metricValues(result, Accounting.NAMESPACE);
    out.println("stream: finished");
    out.println("  raw zone:         " + raw + "/kinesis");
    out.println("  clean zone:       " + clean);
    out.println("  consumption zone: " + consumption);
    out.printf(Locale.ROOT, "  %-16s %10s %10s %10s %10s%n", "source", "in", "clean", "rejected", "duplicates");
    for (SourceDataset d : List.of(SourceDataset.ORDERS, SourceDataset.ORDER_LINES, SourceDataset.CLICK_EVENTS, SourceDataset.FEEDBACK)) {
      long in = counters.getOrDefault(Accounting.IN + d.sourceName(), 0L);
      if (in > 0) {
        out.printf(Locale.ROOT, "  %-16s %,10d %,10d %,10d %,10d%n", d.sourceName(), in,
            counters.getOrDefault(Accounting.CLEAN + d.sourceName(), 0L), counters.getOrDefault(Accounting.REJECTED + d.sourceName(), 0L),
            counters.getOrDefault(Accounting.DUPLICATES + d.sourceName(), 0L));
      }
    }
    return 0;
  }

  private static void parse(PCollection<Row> raws, SourceDataset d, Map<SourceDataset, PCollection<Row>> parsed, List<PCollection<Row>> rejects) {
    PCollectionTuple t = raws.apply("Parse " + d.sourceName(), ParseRecords.of(d, SourceDataset.Format.JSON));
    rejects.add(t.get(Rejects.TAG));
    parsed.put(d, t.get(ParseRecords.PARSED));
  }

  static Duration duration(String option, String v) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v.trim());
    if (!m.matches()) {
      throw new UsageException(option + " takes a duration like 90s, 10m or 2h, was '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.millis(n);
      case "s" -> Duration.standardSeconds(n);
      case "m" -> Duration.standardMinutes(n);
      default -> Duration.standardHours(n);
    };
  }

  /** The event time of a record, for the watermark: its time field, or its arrival when it has none (the parser rejects it). */
  static final class EventTime implements SerializableFunction<KinesisRecord, Instant> {
    private final String field;

    EventTime(String field) {
      this.field = field;
    }

    @Override
    public Instant apply(KinesisRecord r) {
      Instant t = eventTime(new String(r.getDataAsBytes(), StandardCharsets.UTF_8), field);
      return t == null ? r.getApproximateArrivalTimestamp() : t;
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  static Instant eventTime(String payload, String field) {
    try {
      com.fasterxml.jackson.databind.JsonNode v = JSON.readTree(payload).get(field);
      return v == null || !v.isTextual() ? null : new Instant(java.time.Instant.parse(v.asText()).toEpochMilli());
    } catch (Exception e) {
      return null;
    }
  }

  /** A Kinesis record as a raw record, stamped with its event time (records without one keep their arrival time). */
  static final class ToRawFn extends DoFn<KinesisRecord, Row> {
    private final Source source;
    private final String stream;
    private final dev.lakebeam.transforms.records.Progress in;

    ToRawFn(Source source, String stream) {
      this.source = source;
      this.stream = stream;
      // Order events are counted by SplitOrderEvents (an event is one order and its lines).
      this.in = source == Source.ORDERS ? null : dev.lakebeam.transforms.records.Progress.counter(Accounting.IN
          + (source == Source.CLICKSTREAM ? SourceDataset.CLICK_EVENTS : SourceDataset.FEEDBACK).sourceName());
    }

    @ProcessElement
    public void process(@Element KinesisRecord r, @Timestamp Instant arrival, OutputReceiver<Row> out) {
      String payload = new String(r.getDataAsBytes(), StandardCharsets.UTF_8);
      SourceDataset d = switch (source) {
        case ORDERS -> SourceDataset.ORDERS;
        case CLICKSTREAM -> SourceDataset.CLICK_EVENTS;
        case FEEDBACK -> SourceDataset.FEEDBACK;
      };
      Row row = RawRecord.of(d, "kinesis", stream + ":" + r.getShardId() + ":" + r.getSequenceNumber(), null, payload);
      Instant t = eventTime(payload, source.timeField);
      if (in != null) {
        in.inc();
      }
      out.outputWithTimestamp(row, t == null ? arrival : t);
    }

    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE); // event time is earlier than arrival: moving it back is the point
    }
  }

  /** Rejects go to {dataset}/ingest_date= of the day they are written. */
  static final class RejectPartition implements SerializableFunction<Row, String> {
    @Override
    public String apply(Row r) {
      return r.getString("dataset") + "/ingest_date=" + LocalDate.now(ZoneOffset.UTC);
    }
  }
}
