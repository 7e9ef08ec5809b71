package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.FieldParser.ParseError;
import dev.lakebeam.transforms.parse.ReadSourceFiles;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.BucketKeys;
import dev.lakebeam.transforms.records.BundleSideInputs;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.HeldJoin;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RecordCheck;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.Rows;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * The clean stage, shared by every pipeline: parsed records of every source dataset in, clean
 * records of every clean dataset and the rejects out.
 *
 * <p>Steps: 1) validate each record on its own ({@link Rules}); 2) check references (products
 * against aisles and departments, lines and clicks against products, lines against orders); 3)
 * dedupe on the business key (latest {@code updated_at}, then the first source position); 4) give
 * file orders their {@code order_ts} ({@link OrderTimestamps}, per user); 5) keep the run's date
 * range; 6) build the clean rows: PII as tokens, metadata fields, prices merged into products,
 * order time and eval set into lines. Every record is counted once as clean, rejected, duplicate or
 * skipped ({@link Accounting}).
 */
public final class CleanRecords extends PTransform<CleanRecords.Input, CleanRecords.Output> {

  /** The order join's key: the orders' key, which order lines carry. */
  static final String ORDER_ID = SourceDataset.ORDERS.keyFields().get(0);

  private final CleanConfig cfg;
  private final int buckets;

  private CleanRecords(CleanConfig cfg, int buckets) {
    this.cfg = cfg;
    this.buckets = buckets;
  }

  public static CleanRecords with(CleanConfig cfg) {
    return new CleanRecords(cfg, DEFAULT_BUCKETS);
  }

  /** Buckets of the batch order join: the lines of one bucket are held in memory together. */
  public static final int DEFAULT_BUCKETS = 16;

  /**
   * The batch order join's number of buckets ({@link #bucketsFor} plans it from the input's size).
   */
  public CleanRecords withBuckets(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("buckets must be positive, was " + n);
    }
    return new CleanRecords(cfg, n);
  }

  /**
   * Buckets of the other batch groupings (dedupe, orders by user): as many as the lines', since the
   * clickstream can be as large as the lines.
   */
  private int groupBuckets() {
    return buckets;
  }

  /**
   * Source bytes of order lines per bucket, some 14,000 lines: the join holds a bucket's decoded
   * rows until it has read them all, and a few MiB of them die before the next young collection.
   */
  static final long BYTES_PER_BUCKET = 256L << 10;

  /** Beyond this (1 GiB of lines) buckets grow instead: each step holds a block per bucket open. */
  public static final int MAX_BUCKETS = 4096;

  /**
   * A source file of order lines as the bucket plan counts it: a compressed one (by its name) at
   * five times its size.
   */
  public static long plannedBytes(String fileName, long size) {
    boolean compressed =
        Compression.detect(fileName.toLowerCase(Locale.ROOT)) != Compression.UNCOMPRESSED;
    return compressed ? 5 * size : size;
  }

  /** Buckets for this many bytes of order-line input, at least {@link #DEFAULT_BUCKETS}. */
  public static int bucketsFor(long orderLineBytes) {
    return (int)
        Math.min(
            MAX_BUCKETS,
            Math.max(DEFAULT_BUCKETS, (orderLineBytes + BYTES_PER_BUCKET - 1) / BYTES_PER_BUCKET));
  }

  /**
   * Whether every input is a batch collection: only then do records travel in blocks (the stream's
   * graph is untouched).
   */
  private transient boolean batchRun;

  @Override
  public Output expand(Input in) {
    batchRun = in.collections().stream().allMatch(CleanRecords::inBlocks);
    if (!in.readers.isEmpty() && !batchRun) {
      throw new IllegalArgumentException(
          "records read by the clean stage's own readers need a batch run (bounded, in the global"
              + " window)");
    }
    List<PCollection<Row>> rejects = new ArrayList<>();
    // Datasets with references are validated where their references are checked, in the same
    // step: on Flink every two-output step breaks the chain of fused steps (its records are
    // serialized to the next), so one step where there were two.
    Map<Dataset, PCollection<Row>> clean = new EnumMap<>(Dataset.class);

    PCollection<Row> departments = validDeduped(in, SourceDataset.DEPARTMENTS, List.of(), rejects);
    PCollection<Row> aisles = validDeduped(in, SourceDataset.AISLES, List.of(), rejects);
    clean.put(Dataset.DEPARTMENTS, toClean(departments, SourceDataset.DEPARTMENTS));
    clean.put(Dataset.AISLES, toClean(aisles, SourceDataset.AISLES));

    List<PCollectionView<Map<Integer, Integer>>> departmentIds =
        ids(in.withExisting(Dataset.DEPARTMENTS, departments), "department_id", "departments");
    List<PCollectionView<Map<Integer, Integer>>> aisleIds =
        ids(in.withExisting(Dataset.AISLES, aisles), "aisle_id", "aisles");
    PCollection<Row> products =
        validDeduped(
            in,
            SourceDataset.PRODUCTS,
            List.of(
                new Ref("aisle_id", aisleIds, "aisles"),
                new Ref("department_id", departmentIds, "departments")),
            rejects);
    PCollection<Row> prices = validDeduped(in, SourceDataset.PRODUCT_PRICES, List.of(), rejects);
    PCollectionTuple joinedProducts = joinPrices(products, prices);
    rejects.add(joinedProducts.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA)));
    PCollection<Row> cleanProducts =
        joinedProducts.get(ok()).setCoder(RowBytesCoder.of(Dataset.PRODUCTS.beamSchema()));
    clean.put(Dataset.PRODUCTS, cleanProducts);
    List<PCollectionView<Map<Integer, Integer>>> productIds =
        ids(in.withExisting(Dataset.PRODUCTS, cleanProducts), "product_id", "products");

    clean.put(
        Dataset.CUSTOMERS,
        toClean(
            validDeduped(in, SourceDataset.CUSTOMERS, List.of(), rejects),
            SourceDataset.CUSTOMERS));

    PCollection<Row> orders =
        assignOrderTimes(validDeduped(in, SourceDataset.ORDERS, List.of(), rejects));
    // Cleaning and the order join both read the orders: in a batch run they cross in blocks.
    Function<String, PCollection<Row>> ordersFor =
        batchRun && inBlocks(orders)
            ? PackRows.shared(orders, "Orders with order_ts")
            : reader -> orders;
    clean.put(Dataset.ORDERS, toClean(ordersFor.apply("cleaning"), SourceDataset.ORDERS));

    // Lines are deduped inside the join: their key (order_id, product_id) holds the join key, so
    // one shuffle of the largest dataset does both (a separate dedupe was a second full shuffle).
    List<Ref> lineRefs = List.of(new Ref("product_id", productIds, "products"));
    PCollection<Row> orderRefs =
        orderRefs(ordersFor.apply("the order join"), in.existing(Dataset.ORDERS));
    Map<Dataset, PCollection<KV<String, RowBlock>>> blocks = new EnumMap<>(Dataset.class);
    ReadSourceFiles lineReader = in.readers.get(SourceDataset.ORDER_LINES);
    if (batchRun && inBlocks(orderRefs)) {
      // A batch run: lines travel in blocks from the reader to the writer (BucketJoin). The reader
      // validates each line as it parses it and packs the good ones per bucket of order_id.
      Schema lineSchema = in.rowSchema(SourceDataset.ORDER_LINES);
      List<PCollection<KV<Integer, RowBlock>>> lineBuckets = new ArrayList<>();
      if (lineReader != null) {
        PCollectionTuple read =
            in.getPipeline()
                .apply(
                    "Read " + SourceDataset.ORDER_LINES.sourceName(),
                    lineReader
                        .parsedInBuckets(ORDER_ID, buckets, BucketJoin.LINES)
                        .checkedBy(checks(SourceDataset.ORDER_LINES, lineRefs)));
        rejects.add(read.get(Rejects.TAG));
        lineBuckets.add(read.get(ReadSourceFiles.BUCKETS));
      }
      if (lineReader == null || in.given(SourceDataset.ORDER_LINES)) {
        lineBuckets.add(
            validate(
                    in.get(SourceDataset.ORDER_LINES), SourceDataset.ORDER_LINES, lineRefs, rejects)
                .apply(
                    "Order lines into buckets",
                    ParDo.of(
                        new BucketJoin.KeyedBucketsFn(
                            lineSchema, BucketKeys.ofEnvelope(ORDER_ID), buckets)))
                .setCoder(BucketJoin.BUCKET_CODER));
      }
      PCollection<KV<Integer, RowBlock>> allLines =
          lineBuckets.size() == 1
              ? lineBuckets.get(0)
              : PCollectionList.of(lineBuckets)
                  .apply("All order line blocks", Flatten.pCollections());
      PCollectionTuple joined =
          BucketJoin.joinOrders(allLines, lineSchema, orderRefs, buckets, cfg);
      rejects.add(joined.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA)));
      blocks.put(
          Dataset.ORDER_LINES,
          joined.get(BucketJoin.PARTITION_BLOCKS).setCoder(BucketJoin.PARTITION_BLOCK_CODER));
    } else {
      if (lineReader != null) {
        throw new IllegalArgumentException(
            "order lines read by the stage's reader need order references in blocks (a batch run)");
      }
      PCollection<Row> lines =
          validate(in.get(SourceDataset.ORDER_LINES), SourceDataset.ORDER_LINES, lineRefs, rejects);
      PCollectionTuple joinedLines = joinOrders(lines, orderRefs);
      rejects.add(joinedLines.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA)));
      clean.put(
          Dataset.ORDER_LINES,
          joinedLines.get(ok()).setCoder(RowBytesCoder.of(Dataset.ORDER_LINES.beamSchema())));
    }

    PCollection<Row> clicks =
        validDeduped(
            in,
            SourceDataset.CLICK_EVENTS,
            List.of(new Ref("product_id", productIds, "products")),
            rejects);
    clean.put(Dataset.CLICK_EVENTS, toClean(clicks, SourceDataset.CLICK_EVENTS));
    clean.put(
        Dataset.FEEDBACK,
        toClean(
            validDeduped(in, SourceDataset.FEEDBACK, List.of(), rejects), SourceDataset.FEEDBACK));

    PCollection<Row> allRejects =
        PCollectionList.of(rejects)
            .apply("Flatten clean-stage rejects", Flatten.pCollections())
            .setCoder(RowBytesCoder.of(Rejects.SCHEMA));
    return new Output(in.getPipeline(), clean, blocks, allRejects);
  }

  /** A bounded collection in the global window: a batch run's, which may travel in blocks. */
  private static boolean inBlocks(PCollection<?> c) {
    return c.isBounded() == PCollection.IsBounded.BOUNDED
        && c.getWindowingStrategy().getWindowFn() instanceof GlobalWindows;
  }

  private static TupleTag<Row> ok() {
    return new TupleTag<Row>("ok") {};
  }

  private static final TupleTag<Row> OK = ok();

  // ---------------------------------------------------------------- validate

  static Row reject(SourceDataset d, Row env, RejectReason reason, String message, String stage) {
    return Rejects.of(
        d.target().datasetName(),
        reason,
        message,
        Envelope.sourceRef(env),
        Envelope.payload(env),
        Instant.now());
  }

  // ---------------------------------------------------------------- references

  /** A foreign key: a field of the record that must be among the keys of one of the views. */
  static final class Ref {
    final String field;
    final List<PCollectionView<Map<Integer, Integer>>> views;
    final String target;

    Ref(String field, List<PCollectionView<Map<Integer, Integer>>> views, String target) {
      this.field = field;
      this.views = views;
      this.target = target;
    }
  }

  /**
   * The keys of a dimension, one view per part (this run's records, the zone's existing ones).
   * Views are not flattened into one: the parts may be windowed differently (the stream's records
   * in event-time windows, the zone's dimensions in the global window), and a reference is good
   * when any part has the key.
   */
  private List<PCollectionView<Map<Integer, Integer>>> ids(
      List<PCollection<Row>> parts, String field, String name) {
    List<PCollectionView<Map<Integer, Integer>>> views = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String part = name + (i == 0 ? "" : " (existing)");
      views.add(keys(parts.get(i), field, part).apply("View of " + part, View.asMap()));
    }
    return views;
  }

  private static PCollection<KV<Integer, Integer>> keys(
      PCollection<Row> rows, String field, String name) {
    return rows.apply(
        "Keys of " + name,
        MapElements.into(
                TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.integers()))
            .via(
                (Row r) -> {
                  Row rec = r.getSchema().hasField("record") ? Envelope.record(r) : r;
                  Integer k = rec.getInt32(field);
                  return KV.of(k, k);
                }));
  }

  /**
   * What a line needs of its order; {@code fresh}: read in this run (wins over the zone's copy).
   */
  static final Schema ORDER_REF =
      Schema.builder()
          .addInt32Field("order_id")
          .addDateTimeField("order_ts")
          .addStringField("eval_set")
          .addBooleanField("fresh")
          .build();

  private static PCollection<Row> orderRefs(PCollection<Row> orders, PCollection<Row> existing) {
    PCollection<Row> fresh =
        orders
            .apply(
                "Order refs",
                MapElements.into(TypeDescriptors.rows())
                    .via(
                        (Row env) -> {
                          Row r = Envelope.record(env);
                          return Row.withSchema(ORDER_REF)
                              .addValues(
                                  r.getInt32("order_id"),
                                  r.getDateTime("order_ts"),
                                  r.getString("eval_set"),
                                  true)
                              .build();
                        }))
            .setCoder(RowBytesCoder.of(ORDER_REF));
    if (existing == null) {
      return fresh;
    }
    PCollection<Row> old =
        existing
            .apply(
                "Existing order refs",
                MapElements.into(TypeDescriptors.rows())
                    .via(
                        (Row r) ->
                            Row.withSchema(ORDER_REF)
                                .addValues(
                                    r.getInt32("order_id"),
                                    r.getDateTime("order_ts"),
                                    r.getString("eval_set"),
                                    false)
                                .build()))
            .setCoder(RowBytesCoder.of(ORDER_REF));
    return PCollectionList.of(fresh)
        .and(old)
        .apply("All order refs", Flatten.pCollections())
        .setCoder(RowBytesCoder.of(ORDER_REF));
  }

  /** Validates each record on its own ({@link Rules}), then its references; rejects the rest. */
  private PCollection<Row> validate(
      PCollection<Row> in, SourceDataset d, List<Ref> refs, List<PCollection<Row>> rejects) {
    ValidateFn checks = checks(d, refs);
    PCollectionTuple t =
        in.apply(
            "Validate " + d.sourceName(),
            ParDo.of(checks)
                .withSideInputs(checks.sideInputs())
                .withOutputTags(ok(), TupleTagList.of(Rejects.TAG)));
    rejects.add(t.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA)));
    return t.get(ok()).setCoder(RowBytesCoder.of(in.getSchema()));
  }

  /** The checks of one dataset's records: its rules, then each of its references. */
  private ValidateFn checks(SourceDataset d, List<Ref> refs) {
    return new ValidateFn(
        d,
        cfg,
        refs.stream().map(r -> r.views).toList(),
        refs.stream().map(r -> r.field).toList(),
        refs.stream().map(r -> r.target).toList(),
        batchRun);
  }

  /**
   * A dataset's valid records, one version per business key. In a batch run with a reader of the
   * dataset's files ({@link Input#withReader}) the reader checks each record as it parses it and
   * packs the good ones into the dedupe's buckets: they cross one exchange, in blocks, instead of
   * three row by row (to the checks, to their two readers, to the buckets).
   */
  private PCollection<Row> validDeduped(
      Input in, SourceDataset d, List<Ref> refs, List<PCollection<Row>> rejects) {
    ReadSourceFiles reader = in.readers.get(d);
    if (reader == null) {
      return dedupe(validate(in.get(d), d, refs, rejects), d);
    }
    Schema schema = in.rowSchema(d);
    SerializableFunction<Row, Integer> key = dedupeBucketKey(d);
    String name = "Dedupe " + d.sourceName();
    ReadSourceFiles checked =
        reader.parsedInBuckets(key, groupBuckets(), BucketJoin.LINES).checkedBy(checks(d, refs));
    PCollectionTuple read =
        in.getPipeline()
            .apply("Read " + d.sourceName(), keepsPayload(d) ? checked : checked.withoutPayload());
    rejects.add(read.get(Rejects.TAG));
    PCollection<KV<Integer, RowBlock>> blocks = read.get(ReadSourceFiles.BUCKETS);
    if (in.given(d)) {
      PCollection<KV<Integer, RowBlock>> given =
          validate(in.get(d), d, refs, rejects)
              .apply(
                  name + ": into buckets",
                  ParDo.of(new BucketJoin.KeyedBucketsFn(schema, key, groupBuckets())))
              .setCoder(BucketJoin.BUCKET_CODER);
      blocks =
          PCollectionList.of(blocks)
              .and(given)
              .apply("All " + d.sourceName() + " blocks", Flatten.pCollections());
    }
    return BucketJoin.groupedBlocks(blocks, schema, name, new BucketJoin.PickInBucket(d));
  }

  /**
   * Whether a deduped dataset's records can still be rejected after their reader's checks, which
   * needs each record's raw payload: prices, by the price join. The others leave their readers
   * without it (order lines have their own reader, which keeps it for the order join).
   */
  static boolean keepsPayload(SourceDataset d) {
    return d == SourceDataset.PRODUCT_PRICES;
  }

  /**
   * A dataset's record checks ({@link Rules}, then its references): a step of its own with good
   * records and rejects as outputs, or the file reader's {@link RecordCheck}.
   */
  static final class ValidateFn extends DoFn<Row, Row> implements RecordCheck {
    private final SourceDataset d;
    private final CleanConfig cfg;
    private final List<List<PCollectionView<Map<Integer, Integer>>>> views;
    private final List<String> fields;
    private final List<String> targets;
    private final boolean copyViews;
    private final Progress rejected;

    /**
     * @param copyViews look references up in plain copies of the views, made once per bundle (a
     *     batch run, whose bundle on Flink is a task's whole input); a stream's small bundles look
     *     them up in the runner's views
     */
    ValidateFn(
        SourceDataset d,
        CleanConfig cfg,
        List<List<PCollectionView<Map<Integer, Integer>>>> views,
        List<String> fields,
        List<String> targets,
        boolean copyViews) {
      this.d = d;
      this.cfg = cfg;
      this.views = views;
      this.fields = fields;
      this.targets = targets;
      this.copyViews = copyViews;
      this.rejected = Progress.counter(Accounting.REJECTED + d.sourceName());
    }

    private final BundleSideInputs sides = new BundleSideInputs();

    @Override
    @StartBundle
    public void startBundle() {
      sides.reset();
    }

    @Override
    public List<PCollectionView<?>> sideInputs() {
      List<PCollectionView<?>> all = new ArrayList<>();
      views.forEach(all::addAll);
      return all;
    }

    @ProcessElement
    public void process(
        @Element Row env, BoundedWindow window, ProcessContext c, MultiOutputReceiver out) {
      if (valid(env, window, c, out)) {
        out.get(OK).output(env);
      }
    }

    /** Checks a record on its own, then its references; a bad one is rejected here. */
    @Override
    public boolean valid(
        Row env, BoundedWindow window, DoFn<?, ?>.ProcessContext c, MultiOutputReceiver out) {
      Row rec = Envelope.record(env);
      try {
        Rules.check(d, rec, cfg.latestAllowed());
      } catch (ParseError e) {
        rejected.inc();
        out.get(Rejects.TAG).output(reject(d, env, e.reason(), e.getMessage(), "validate"));
        return false;
      }
      for (int i = 0; i < views.size(); i++) {
        Integer v = rec.getInt32(fields.get(i));
        if (v != null && !anyHas(views.get(i), v, window, c)) {
          rejected.inc();
          out.get(Rejects.TAG)
              .output(
                  reject(
                      d,
                      env,
                      RejectReason.UNKNOWN_REFERENCE,
                      fields.get(i) + " " + v + " is not in " + targets.get(i),
                      "validate"));
          return false;
        }
      }
      return true;
    }

    private boolean anyHas(
        List<PCollectionView<Map<Integer, Integer>>> parts,
        Integer key,
        BoundedWindow window,
        DoFn<?, ?>.ProcessContext c) {
      for (PCollectionView<Map<Integer, Integer>> part : parts) {
        if (copyViews
            ? sides.copiedLookup(part, window, c).get(key) != null
            : sides.get(part, window, c).containsKey(key)) {
          return true;
        }
      }
      return false;
    }
  }

  // ---------------------------------------------------------------- dedupe

  private PCollection<Row> dedupe(PCollection<Row> in, SourceDataset d) {
    Schema schema = in.getSchema();
    List<String> keys = d.keyFields();
    if (batchRun && inBlocks(in)) {
      return BucketJoin.grouped(
          in,
          "Dedupe " + d.sourceName(),
          dedupeBucketKey(d),
          groupBuckets(),
          new BucketJoin.PickInBucket(d));
    }
    return in.apply(
            "Key " + d.sourceName(),
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.rows()))
                .via((Row env) -> KV.of(key(env, keys), env)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBytesCoder.of(schema)))
        .apply("Group " + d.sourceName() + " by key", GroupByKey.create())
        .apply("Dedupe " + d.sourceName(), ParDo.of(new PickFn(d)))
        .setCoder(RowBytesCoder.of(schema));
  }

  /** The int a record's dedupe bucket is chosen by: the hash of its business key. */
  private static SerializableFunction<Row, Integer> dedupeBucketKey(SourceDataset d) {
    List<String> keys = d.keyFields();
    return env -> key(env, keys).hashCode();
  }

  /** A record's business key as one string. */
  static String key(Row env, List<String> keyFields) {
    Row rec = Envelope.record(env);
    StringBuilder k = new StringBuilder();
    for (String f : keyFields) {
      k.append(String.valueOf((Object) rec.getValue(f))).append('\u0001');
    }
    return k.toString();
  }

  /** Keeps the latest version (updated_at), then the first source position; counts the rest. */
  static final class PickFn extends DoFn<KV<String, Iterable<Row>>, Row> {
    private final Progress duplicates;

    PickFn(SourceDataset d) {
      this.duplicates = Progress.counter(Accounting.DUPLICATES + d.sourceName());
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> group, OutputReceiver<Row> out) {
      Row best = null;
      long n = 0;
      for (Row r : group.getValue()) {
        n++;
        if (best == null || BETTER.compare(r, best) < 0) {
          best = r;
        }
      }
      if (best == null) {
        return; // an empty pane (a stream's window may fire one): nothing to pick
      }
      duplicates.inc(n - 1);
      out.output(best);
    }
  }

  /** Orders versions: newest updated_at first, then the smallest source position. */
  static final Comparator<Row> BETTER =
      Comparator.<Row>comparingLong(
              env -> {
                Row rec = Envelope.record(env);
                if (!rec.getSchema().hasField("updated_at")
                    || rec.getDateTime("updated_at") == null) {
                  return Long.MAX_VALUE;
                }
                return -rec.getDateTime("updated_at").getMillis();
              })
          .thenComparing(env -> env.getString("source_ref"), CleanRecords::compareRefs);

  /** "file:12" before "file:9" would be wrong: compare the position as a number. */
  static int compareRefs(String a, String b) {
    int ia = a.lastIndexOf(':');
    int ib = b.lastIndexOf(':');
    if (ia > 0 && ib > 0) {
      int c = a.substring(0, ia).compareTo(b.substring(0, ib));
      if (c != 0) {
        return c;
      }
      try {
        return Long.compare(
            Long.parseLong(a.substring(ia + 1)), Long.parseLong(b.substring(ib + 1)));
      } catch (NumberFormatException e) {
        return a.compareTo(b);
      }
    }
    return a.compareTo(b);
  }

  // ---------------------------------------------------------------- order_ts

  private PCollection<Row> assignOrderTimes(PCollection<Row> orders) {
    Schema schema = orders.getSchema();
    LocalDate asOf = cfg.asOf;
    if (batchRun && inBlocks(orders)) {
      return BucketJoin.grouped(
          orders,
          "Assign order_ts",
          env -> Envelope.record(env).getInt32("user_id"),
          groupBuckets(),
          new BucketJoin.AssignInBucket(asOf));
    }
    return orders
        .apply(
            "Key orders by user",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                .via((Row env) -> KV.of(Envelope.record(env).getInt32("user_id"), env)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(schema)))
        .apply("Group orders by user", GroupByKey.create())
        .apply("Assign order_ts", ParDo.of(new AssignOrderTsFn(asOf)))
        .setCoder(RowBytesCoder.of(schema));
  }

  /** Gives a user's orders without an explicit order_ts their time by the one rule. */
  static final class AssignOrderTsFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    private final LocalDate asOf;

    AssignOrderTsFn(LocalDate asOf) {
      this.asOf = asOf;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Row>> user, OutputReceiver<Row> out) {
      assign(user.getValue(), asOf, out::output);
    }

    /** One user's orders, each with its order_ts (given, or by the rule). */
    static void assign(Iterable<Row> orders, LocalDate asOf, Consumer<Row> out) {
      List<Row> all = new ArrayList<>();
      List<OrderTimestamps.OrderKey> keys = new ArrayList<>();
      for (Row env : orders) {
        all.add(env);
        Row r = Envelope.record(env);
        keys.add(
            new OrderTimestamps.OrderKey(
                r.getInt32("order_id"),
                r.getInt32("order_number"),
                r.getInt32("order_dow"),
                r.getInt32("order_hour_of_day"),
                r.getInt32("days_since_prior_order")));
      }
      Map<Integer, java.time.Instant> ts = OrderTimestamps.assign(keys, asOf);
      for (Row env : all) {
        Row r = Envelope.record(env);
        if (r.getDateTime("order_ts") != null) {
          out.accept(env);
        } else {
          // By position: Row.fromRow(..).withFieldValue parses a field-access expression per call.
          List<Object> values = new ArrayList<>(r.getValues());
          values.set(
              r.getSchema().indexOf("order_ts"),
              new Instant(ts.get(r.getInt32("order_id")).toEpochMilli()));
          Row withTs = Rows.attach(r.getSchema(), values);
          out.accept(Envelope.withRecord(env, withTs));
        }
      }
    }
  }

  // ---------------------------------------------------------------- joins

  private PCollectionTuple joinPrices(PCollection<Row> products, PCollection<Row> prices) {
    TupleTag<Row> productTag = new TupleTag<>("product");
    TupleTag<Row> priceTag = new TupleTag<>("price");
    return joinOn(
        "product_id",
        "products and prices",
        productTag,
        products,
        priceTag,
        prices,
        "Clean products",
        new JoinPricesFn(productTag, priceTag, cfg));
  }

  /** CoGroupByKey of two envelope collections on an int field, then a two-output DoFn. */
  private static PCollectionTuple joinOn(
      String field,
      String what,
      TupleTag<Row> leftTag,
      PCollection<Row> left,
      TupleTag<Row> rightTag,
      PCollection<Row> right,
      String step,
      DoFn<KV<Integer, CoGbkResult>, Row> fn) {
    return KeyedPCollectionTuple.of(leftTag, byInt(left, field, leftTag.getId()))
        .and(rightTag, byInt(right, field, rightTag.getId()))
        .apply("Join " + what, CoGroupByKey.create())
        .apply(step, ParDo.of(fn).withOutputTags(ok(), TupleTagList.of(Rejects.TAG)));
  }

  static final class JoinPricesFn extends DoFn<KV<Integer, CoGbkResult>, Row> {
    private final TupleTag<Row> productTag;
    private final TupleTag<Row> priceTag;
    private final CleanConfig c;

    JoinPricesFn(TupleTag<Row> productTag, TupleTag<Row> priceTag, CleanConfig c) {
      this.productTag = productTag;
      this.priceTag = priceTag;
      this.c = c;
    }

    private final Progress cleanProducts =
        Progress.counter(Accounting.CLEAN + SourceDataset.PRODUCTS.sourceName());
    private final Progress mergedPrices =
        Progress.counter(Accounting.CLEAN + SourceDataset.PRODUCT_PRICES.sourceName());
    private final Progress rejectedPrices =
        Progress.counter(Accounting.REJECTED + SourceDataset.PRODUCT_PRICES.sourceName());

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> e, MultiOutputReceiver out) {
      Row product = null;
      for (Row p : e.getValue().getAll(productTag)) {
        product = p;
      }
      Row price = null;
      for (Row p : e.getValue().getAll(priceTag)) {
        price = p;
      }
      if (product == null) {
        if (price != null) {
          rejectedPrices.inc();
          out.get(Rejects.TAG)
              .output(
                  reject(
                      SourceDataset.PRODUCT_PRICES,
                      price,
                      RejectReason.UNKNOWN_REFERENCE,
                      "product_id " + e.getKey() + " is not in products",
                      "validate"));
        }
        return;
      }
      Map<String, Object> extra = new HashMap<>();
      if (price != null) {
        // product_prices.csv overrides; without it the product keeps its own price (RDS carries
        // one)
        extra.put("unit_price", Envelope.record(price).getDecimal("unit_price"));
      }
      if (price != null) {
        mergedPrices.inc();
      }
      cleanProducts.inc();
      out.get(OK).output(CleanRows.build(Dataset.PRODUCTS, product, extra, c));
    }
  }

  private PCollectionTuple joinOrders(PCollection<Row> lines, PCollection<Row> orders) {
    if (lines.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      return joinOrdersHeld(lines, orders);
    }
    TupleTag<Row> lineTag = new TupleTag<>("line");
    TupleTag<Row> orderTag = new TupleTag<>("order");
    return joinOn(
        "order_id",
        "lines and orders",
        lineTag,
        lines,
        orderTag,
        orders,
        "Clean order lines",
        new JoinOrdersFn(lineTag, orderTag, cfg));
  }

  static final class JoinOrdersFn extends DoFn<KV<Integer, CoGbkResult>, Row> {
    private final TupleTag<Row> lineTag;
    private final TupleTag<Row> orderTag;
    private final CleanConfig c;

    JoinOrdersFn(TupleTag<Row> lineTag, TupleTag<Row> orderTag, CleanConfig c) {
      this.lineTag = lineTag;
      this.orderTag = orderTag;
      this.c = c;
    }

    private final Progress rejected =
        Progress.counter(Accounting.REJECTED + SourceDataset.ORDER_LINES.sourceName());
    private final Progress skipped =
        Progress.counter(Accounting.SKIPPED + SourceDataset.ORDER_LINES.sourceName());
    private final Progress cleanLines =
        Progress.counter(Accounting.CLEAN + SourceDataset.ORDER_LINES.sourceName());
    private final Progress duplicates =
        Progress.counter(Accounting.DUPLICATES + SourceDataset.ORDER_LINES.sourceName());

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> e, MultiOutputReceiver out) {
      Row order = null;
      for (Row o : e.getValue().getAll(orderTag)) {
        if (order == null || o.getBoolean("fresh")) {
          order = o;
        }
      }
      // The order's lines, one per business key (the same pick as the other datasets' dedupe).
      Map<String, Row> unique = new LinkedHashMap<>();
      long n = 0;
      for (Row line : e.getValue().getAll(lineTag)) {
        n++;
        unique.merge(
            key(line, SourceDataset.ORDER_LINES.keyFields()),
            line,
            (a, b) -> BETTER.compare(b, a) < 0 ? b : a);
      }
      duplicates.inc(n - unique.size());
      for (Row line : unique.values()) {
        if (order == null) {
          rejected.inc();
          out.get(Rejects.TAG)
              .output(
                  reject(
                      SourceDataset.ORDER_LINES,
                      line,
                      RejectReason.UNKNOWN_REFERENCE,
                      "order_id " + e.getKey() + " is not in orders",
                      "validate"));
          continue;
        }
        Row clean = joinLine(order, line, c, skipped, cleanLines);
        if (clean != null) {
          out.get(OK).output(clean);
        }
      }
    }
  }

  /**
   * A line with its order: null (counted as skipped) outside the run's range, else clean with the
   * order's time and eval set.
   */
  static Row joinLine(Row order, Row line, CleanConfig c, Progress skipped, Progress cleanLines) {
    ReadableInstant ts = order.getDateTime("order_ts");
    if (!c.inRange(date(ts))) {
      skipped.inc();
      return null;
    }
    Map<String, Object> extra = new HashMap<>();
    extra.put("order_ts", ts);
    extra.put("eval_set", order.getString("eval_set"));
    Row rec = Envelope.record(line);
    if (rec.getInt32("quantity") == null) {
      extra.put("quantity", 1);
    }
    cleanLines.inc();
    return CleanRows.build(Dataset.ORDER_LINES, line, extra, c);
  }

  /**
   * The stream's order join: each line waits in state for its order (or meets it at once), for as
   * long as the windows' allowed lateness, whichever of the two arrives first and in whatever pane
   * ({@link HeldJoin}); lines whose order has not come by then are rejected as LATE_REFERENCE. The
   * results go back into the lines' windows. A join per pane would reject a late order's lines that
   * reach it before the order does (the order passes two more groupings on its way).
   */
  private PCollectionTuple joinOrdersHeld(PCollection<Row> lines, PCollection<Row> orders) {
    WindowingStrategy<?, ?> ws = lines.getWindowingStrategy();
    HeldJoin.Result held =
        HeldJoin.join(
            "Order join",
            byInt(lines, "order_id", "line"),
            byInt(orders, "order_id", "order"),
            new LineKey(),
            new Better(),
            Accounting.DUPLICATES + SourceDataset.ORDER_LINES.sourceName());
    PCollection<Row> clean =
        held.paired()
            .apply("Clean order lines", ParDo.of(new CleanHeldLineFn(cfg)))
            .setCoder(RowBytesCoder.of(Dataset.ORDER_LINES.beamSchema()));
    long lateSeconds = ws.getAllowedLateness().getStandardSeconds();
    PCollection<Row> late =
        held.unmatched()
            .apply("Reject lines without their order", ParDo.of(new LateLineFn(lateSeconds)))
            .setCoder(RowBytesCoder.of(Rejects.SCHEMA));
    return PCollectionTuple.of(
            ok(), HeldJoin.rewindow(clean, ws, "Clean order lines into their windows"))
        .and(Rejects.TAG, HeldJoin.rewindow(late, ws, "Late order line rejects into windows"));
  }

  /** An order line's business key, for the held join's dedupe. */
  static final class LineKey implements SerializableFunction<Row, String> {
    @Override
    public String apply(Row line) {
      return key(line, SourceDataset.ORDER_LINES.keyFields());
    }
  }

  /** {@link #BETTER}, serializable. */
  static final class Better implements HeldJoin.SerializableComparator {
    @Override
    public int compare(Row a, Row b) {
      return BETTER.compare(a, b);
    }
  }

  /** Clean rows of the lines the held join paired with their order. */
  static final class CleanHeldLineFn extends DoFn<KV<Row, Row>, Row> {
    private final CleanConfig c;
    private final Progress skipped =
        Progress.counter(Accounting.SKIPPED + SourceDataset.ORDER_LINES.sourceName());
    private final Progress cleanLines =
        Progress.counter(Accounting.CLEAN + SourceDataset.ORDER_LINES.sourceName());

    CleanHeldLineFn(CleanConfig c) {
      this.c = c;
    }

    @ProcessElement
    public void process(@Element KV<Row, Row> pair, OutputReceiver<Row> out) {
      Row clean = joinLine(pair.getKey(), pair.getValue(), c, skipped, cleanLines);
      if (clean != null) {
        out.output(clean);
      }
    }
  }

  /** Rejects of the lines whose order did not come within the allowed lateness. */
  static final class LateLineFn extends DoFn<Row, Row> {
    private final long lateSeconds;
    private final Progress rejected =
        Progress.counter(Accounting.REJECTED + SourceDataset.ORDER_LINES.sourceName());

    LateLineFn(long lateSeconds) {
      this.lateSeconds = lateSeconds;
    }

    @ProcessElement
    public void process(@Element Row line, OutputReceiver<Row> out) {
      rejected.inc();
      out.output(
          reject(
              SourceDataset.ORDER_LINES,
              line,
              RejectReason.LATE_REFERENCE,
              "order_id "
                  + Envelope.record(line).getInt32("order_id")
                  + " did not arrive within the allowed lateness ("
                  + lateSeconds
                  + " s)",
              "validate"));
    }
  }

  private static PCollection<KV<Integer, Row>> byInt(
      PCollection<Row> in, String field, String name) {
    return in.apply(
            "Key " + name + " by " + field,
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                .via(
                    (Row r) ->
                        KV.of(
                            (r.getSchema().hasField("record") ? Envelope.record(r) : r)
                                .getInt32(field),
                            r)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(in.getSchema())));
  }

  static LocalDate date(ReadableInstant t) {
    // the UTC day by arithmetic: a ZonedDateTime per clean line was 3 % of raw+clean's samples
    return LocalDate.ofEpochDay(Math.floorDiv(t.getMillis(), 86_400_000L));
  }

  // ---------------------------------------------------------------- clean rows

  private PCollection<Row> toClean(PCollection<Row> in, SourceDataset d) {
    return in.apply("Clean " + d.sourceName(), ParDo.of(new ToCleanFn(d, cfg)))
        .setCoder(RowBytesCoder.of(d.target().beamSchema()));
  }

  static final class ToCleanFn extends DoFn<Row, Row> {
    private final SourceDataset d;
    private final CleanConfig cfg;
    private final Progress clean;
    private final Progress skipped;

    ToCleanFn(SourceDataset d, CleanConfig cfg) {
      this.d = d;
      this.cfg = cfg;
      this.clean = Progress.counter(Accounting.CLEAN + d.sourceName());
      this.skipped = Progress.counter(Accounting.SKIPPED + d.sourceName());
    }

    @ProcessElement
    public void process(@Element Row env, OutputReceiver<Row> out) {
      Row rec = Envelope.record(env);
      Optional<String> eventTime = d.target().eventTimeColumn();
      if (eventTime.isPresent() && !cfg.inRange(date(rec.getDateTime(eventTime.get())))) {
        skipped.inc();
        return;
      }
      clean.inc();
      out.output(CleanRows.build(d.target(), env, Map.of(), cfg));
    }
  }

  // ---------------------------------------------------------------- input / output

  /** Parsed envelopes per source dataset; absent datasets are empty. */
  public static final class Input implements PInput {
    private final Pipeline pipeline;
    private final Map<SourceDataset, PCollection<Row>> byDataset;
    private final Map<Dataset, PCollection<Row>> existing = new EnumMap<>(Dataset.class);
    private final Set<SourceDataset> given;
    private final Map<SourceDataset, ReadSourceFiles> readers = new EnumMap<>(SourceDataset.class);

    private Input(
        Pipeline pipeline,
        Map<SourceDataset, PCollection<Row>> byDataset,
        Set<SourceDataset> given) {
      this.pipeline = pipeline;
      this.byDataset = byDataset;
      this.given = given;
    }

    /**
     * A dataset's records read from files by this reader, besides any given as rows. Only for a
     * batch run: the stage applies the reader itself, checking each record as it is parsed and
     * packing the good ones into blocks per bucket of the grouping that follows (the order join for
     * order lines, the dedupe for the others), so that records stay in blocks from the reader on.
     */
    public Input withReader(ReadSourceFiles read) {
      if (readers.containsKey(read.dataset())) {
        throw new IllegalArgumentException(
            "a second reader of " + read.dataset().sourceName() + ": give one with all its files");
      }
      readers.put(read.dataset(), read);
      return this;
    }

    /**
     * The schema of the dataset's rows, which its reader's blocks share: the grouping decodes both
     * with one.
     */
    Schema rowSchema(SourceDataset d) {
      Schema rows = byDataset.get(d).getSchema();
      Schema read = Envelope.schema(d.parseSchema());
      if (readers.containsKey(d) && !rows.equals(read)) {
        throw new IllegalArgumentException(
            d.sourceName() + " given as rows of " + rows + " cannot meet records read as " + read);
      }
      return rows;
    }

    /** Every collection given: records per dataset and the zone's rows. */
    List<PCollection<?>> collections() {
      List<PCollection<?>> all = new ArrayList<>(byDataset.values());
      all.addAll(existing.values());
      return all;
    }

    boolean given(SourceDataset d) {
      return given.contains(d);
    }

    /**
     * Clean rows already in the zone that references may point to (an incremental run reads only
     * what changed): departments, aisles and products for the reference checks, orders for lines.
     */
    public Input withExisting(Map<Dataset, PCollection<Row>> rows) {
      existing.putAll(rows);
      return this;
    }

    PCollection<Row> existing(Dataset d) {
      return existing.get(d);
    }

    /** This run's rows of a dataset, and the zone's, if given. */
    List<PCollection<Row>> withExisting(Dataset d, PCollection<Row> fresh) {
      List<PCollection<Row>> out = new ArrayList<>();
      out.add(fresh);
      if (existing.containsKey(d)) {
        out.add(existing.get(d));
      }
      return out;
    }

    public static Input of(Pipeline p, Map<SourceDataset, PCollection<Row>> given) {
      Map<SourceDataset, PCollection<Row>> all = new EnumMap<>(SourceDataset.class);
      Set<SourceDataset> present = EnumSet.noneOf(SourceDataset.class);
      for (SourceDataset d : SourceDataset.values()) {
        PCollection<Row> c = given.get(d);
        if (c != null) {
          present.add(d);
        }
        if (c == null) {
          Schema s = Envelope.schema(d.parseSchema());
          c =
              p.apply("No " + d.sourceName(), Create.empty(RowBytesCoder.of(s)))
                  .setCoder(RowBytesCoder.of(s));
        }
        all.put(d, c);
      }
      return new Input(p, all, present);
    }

    PCollection<Row> get(SourceDataset d) {
      return byDataset.get(d);
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      Map<TupleTag<?>, PValue> m = new LinkedHashMap<>();
      byDataset.forEach((d, c) -> m.put(new TupleTag<Row>(d.sourceName()), c));
      existing.forEach((d, c) -> m.put(new TupleTag<Row>("existing " + d.datasetName()), c));
      return m;
    }
  }

  /** Clean rows per clean dataset, and every reject of the stage. */
  public static final class Output implements POutput {
    private final Pipeline pipeline;
    private final Map<Dataset, PCollection<Row>> clean;
    private final Map<Dataset, PCollection<KV<String, RowBlock>>> blocks;
    private final PCollection<Row> rejects;

    Output(
        Pipeline pipeline,
        Map<Dataset, PCollection<Row>> clean,
        Map<Dataset, PCollection<KV<String, RowBlock>>> blocks,
        PCollection<Row> rejects) {
      this.pipeline = pipeline;
      this.clean = clean;
      this.blocks = blocks;
      this.rejects = rejects;
    }

    /** A clean dataset's rows (a dataset made in blocks is unpacked, once, on first asking). */
    public PCollection<Row> clean(Dataset d) {
      if (!clean.containsKey(d) && blocks.containsKey(d)) {
        clean.put(
            d,
            blocks
                .get(d)
                .apply("Blocks of " + d.datasetName(), Values.create())
                .apply(
                    "Rows of " + d.datasetName(), ParDo.of(new PackRows.UnpackFn(d.beamSchema())))
                .setCoder(RowBytesCoder.of(d.beamSchema())));
      }
      return clean.get(d);
    }

    /** Every clean dataset's rows. */
    public Map<Dataset, PCollection<Row>> clean() {
      blocks.keySet().forEach(this::clean);
      return clean;
    }

    /**
     * A clean dataset in blocks per partition folder ({@code WriteParquet.blocks} writes them), or
     * null when it was made row by row.
     */
    public PCollection<KV<String, RowBlock>> blocks(Dataset d) {
      return blocks.get(d);
    }

    public PCollection<Row> rejects() {
      return rejects;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      Map<TupleTag<?>, PValue> m = new LinkedHashMap<>();
      clean.forEach((d, c) -> m.put(new TupleTag<Row>(d.datasetName()), c));
      blocks.forEach(
          (d, c) -> m.put(new TupleTag<KV<String, RowBlock>>(d.datasetName() + " blocks"), c));
      m.put(Rejects.TAG, rejects);
      return m;
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
