package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.OpenBlocks;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The batch order join on blocks. Valid lines and order references are packed into blocks per hash
 * bucket of {@code order_id} by the step that makes them; one grouping by bucket brings a bucket's
 * blocks together; inside it lines meet their order in a hash map, with the dedupe, the pick and
 * the counts of {@link CleanRecords.JoinOrdersFn}; clean lines leave in blocks per partition
 * folder, as the writer takes them. Beam's per-element cost is paid per block.
 */
final class BucketJoin {
  private BucketJoin() {}

  /** The kind of line blocks, as the join reads them and the reader is told to pack them. */
  static final int LINES = 0;

  static final int ORDERS = 1;

  static final TupleTag<KV<Integer, RowBlock>> BUCKETS =
      new TupleTag<KV<Integer, RowBlock>>("buckets") {};
  static final KvCoder<Integer, RowBlock> BUCKET_CODER =
      KvCoder.of(VarIntCoder.of(), RowBlock.Coder.of());
  static final TupleTag<KV<String, RowBlock>> PARTITION_BLOCKS =
      new TupleTag<KV<String, RowBlock>>("partition blocks") {};
  static final KvCoder<String, RowBlock> PARTITION_BLOCK_CODER =
      KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of());

  /**
   * Lines in bucket blocks and order references in; clean lines in partition blocks and rejects
   * out.
   */
  static PCollectionTuple joinOrders(
      PCollection<KV<Integer, RowBlock>> lineBlocks,
      Schema lineSchema,
      PCollection<Row> orderRefs,
      int buckets,
      CleanConfig cfg) {
    PCollection<KV<Integer, RowBlock>> orderBlocks =
        orderRefs
            .apply(
                "Orders into buckets", ParDo.of(new ToBucketsFn(CleanRecords.ORDER_REF, buckets)))
            .setCoder(BUCKET_CODER);
    return PCollectionList.of(lineBlocks)
        .and(orderBlocks)
        .apply("Blocks of lines and orders", Flatten.pCollections())
        .apply("Group blocks by bucket", GroupByKey.create())
        .apply(
            "Clean order lines",
            ParDo.of(new JoinBucketFn(lineSchema, cfg))
                .withOutputTags(PARTITION_BLOCKS, TupleTagList.of(Rejects.TAG)));
  }

  /**
   * The bucket of an order id: spread by a multiplicative hash, so consecutive ids do not cluster.
   */
  static int bucket(Integer orderId, int buckets) {
    return GroupInBlocks.bucket(orderId == null ? 0 : orderId, buckets);
  }

  /** Open blocks per bucket of a key ({@link OpenBlocks}, bounded by bytes). */
  static final class Buckets {
    private final OpenBlocks<Integer> open;
    private final int buckets;

    Buckets(int buckets, int kind, RowCoder coder) {
      this.open = new OpenBlocks<>(kind, coder);
      this.buckets = buckets;
    }

    void add(Row row, int key, Consumer<KV<Integer, RowBlock>> out) {
      open.add(bucket(key, buckets), row, (b, block) -> out.accept(KV.of(b, block)));
    }

    void flush(Consumer<KV<Integer, RowBlock>> out) {
      open.flush((b, block) -> out.accept(KV.of(b, block)));
    }
  }

  /** Order references into bucket blocks. */
  static final class ToBucketsFn extends DoFn<Row, KV<Integer, RowBlock>> {
    private final Schema schema;
    private final int buckets;
    private transient Buckets open;

    ToBucketsFn(Schema schema, int buckets) {
      this.schema = schema;
      this.buckets = buckets;
    }

    @StartBundle
    public void start() {
      if (open == null) {
        open = new Buckets(buckets, ORDERS, RowCoder.of(schema));
      }
    }

    @ProcessElement
    public void process(@Element Row ref, OutputReceiver<KV<Integer, RowBlock>> out) {
      open.add(ref, ref.getInt32("order_id"), out::output);
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      open.flush(kv -> c.output(kv, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }
  }

  /**
   * One bucket: its orders in a map, its lines grouped by order, then each order as the per-key
   * join did.
   */
  static final class JoinBucketFn
      extends DoFn<KV<Integer, Iterable<RowBlock>>, KV<String, RowBlock>> {
    private final Schema lineSchema;
    private final CleanConfig c;
    private final SerializableFunction<Row, String> partitionOf =
        WriteParquet.partitionFn(Dataset.ORDER_LINES);
    private transient RowCoder lineCoder;
    private transient RowCoder orderCoder;
    private transient RowCoder cleanCoder;
    private transient OpenBlocks<String> open;

    /** Field positions, looked up once: by name they cost a map lookup per line. */
    private transient int orderId;

    private transient int fresh;
    private transient int lineOrderId;
    private transient int lineProductId;

    private final Progress rejected =
        Progress.counter(Accounting.REJECTED + SourceDataset.ORDER_LINES.sourceName());
    private final Progress skipped =
        Progress.counter(Accounting.SKIPPED + SourceDataset.ORDER_LINES.sourceName());
    private final Progress cleanLines =
        Progress.counter(Accounting.CLEAN + SourceDataset.ORDER_LINES.sourceName());
    private final Progress duplicates =
        Progress.counter(Accounting.DUPLICATES + SourceDataset.ORDER_LINES.sourceName());

    JoinBucketFn(Schema lineSchema, CleanConfig c) {
      this.lineSchema = lineSchema;
      this.c = c;
    }

    @Setup
    public void setup() {
      lineCoder = RowCoder.of(lineSchema);
      orderCoder = RowCoder.of(CleanRecords.ORDER_REF);
      cleanCoder = RowCoder.of(Dataset.ORDER_LINES.beamSchema());
      open = new OpenBlocks<>(0, cleanCoder);
      orderId = CleanRecords.ORDER_REF.indexOf("order_id");
      fresh = CleanRecords.ORDER_REF.indexOf("fresh");
      Schema record = lineSchema.getField(0).getType().getRowSchema();
      lineOrderId = record.indexOf("order_id");
      lineProductId = record.indexOf("product_id");
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<RowBlock>> bucket, MultiOutputReceiver out) {
      Map<Integer, Row> orders = new HashMap<>();
      // Lines by their business key (order_id, product_id) as one long, in arrival order: one map
      // for the bucket, not one per order. Both ids are required (non-nullable) fields of the line
      // schema, and the block codec refuses a null in such a field: never null here.
      Map<Long, Row> lines = new LinkedHashMap<>();
      long n = 0;
      for (RowBlock block : bucket.getValue()) {
        if (block.kind() == ORDERS) {
          for (Row o : block.rows(orderCoder)) {
            orders.merge(o.getInt32(orderId), o, (a, b) -> b.getBoolean(fresh) ? b : a);
          }
          continue;
        }
        for (Row line : block.rows(lineCoder)) {
          n++;
          Row rec = Envelope.record(line);
          long key =
              ((long) rec.getInt32(lineOrderId) << 32)
                  | (rec.getInt32(lineProductId) & 0xFFFFFFFFL);
          lines.merge(key, line, (a, b) -> CleanRecords.BETTER.compare(b, a) < 0 ? b : a);
        }
      }
      duplicates.inc(n - lines.size());
      DoFn.OutputReceiver<KV<String, RowBlock>> clean = out.get(PARTITION_BLOCKS);
      for (Map.Entry<Long, Row> e : lines.entrySet()) {
        int id = (int) (e.getKey() >> 32);
        Row order = orders.get(id);
        Row line = e.getValue();
        if (order == null) {
          rejected.inc();
          out.get(Rejects.TAG)
              .output(
                  CleanRecords.reject(
                      SourceDataset.ORDER_LINES,
                      line,
                      RejectReason.UNKNOWN_REFERENCE,
                      "order_id " + id + " is not in orders",
                      "validate"));
          continue;
        }
        Row row = CleanRecords.joinLine(order, line, c, skipped, cleanLines);
        if (row != null) {
          open.add(
              partitionOf.apply(row),
              row,
              (partition, block) -> clean.output(KV.of(partition, block)));
        }
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext ctx) {
      open.flush(
          (partition, block) ->
              ctx.output(
                  PARTITION_BLOCKS,
                  KV.of(partition, block),
                  BoundedWindow.TIMESTAMP_MIN_VALUE,
                  GlobalWindow.INSTANCE));
    }
  }

  /**
   * A batch grouping on blocks: rows into blocks per bucket of a key, one grouping by bucket, and
   * the rows of each bucket handed to {@code fn}, which groups them by the key itself.
   */
  static PCollection<Row> grouped(
      PCollection<Row> rows,
      String name,
      SerializableFunction<Row, Integer> key,
      int buckets,
      InBucket fn) {
    Schema schema = rows.getSchema();
    return groupedBlocks(
        rows.apply(name + ": into buckets", ParDo.of(new KeyedBucketsFn(schema, key, buckets)))
            .setCoder(BUCKET_CODER),
        schema,
        name,
        fn);
  }

  /**
   * As {@link #grouped}, from rows already in bucket blocks (a reader packs them as it parses): one
   * grouping by bucket, then {@code fn} on each bucket's rows.
   */
  static PCollection<Row> groupedBlocks(
      PCollection<KV<Integer, RowBlock>> blocks, Schema schema, String name, InBucket fn) {
    return blocks
        .apply(name + ": group by bucket", GroupByKey.create())
        .apply(name, ParDo.of(new InBucketFn(schema, fn)))
        .setCoder(RowBytesCoder.of(schema));
  }

  /** What is done with one bucket's rows (iterated once). */
  interface InBucket extends Serializable {
    void apply(Iterable<Row> rows, Consumer<Row> out);
  }

  /** Rows into bucket blocks by a key's hash. */
  static final class KeyedBucketsFn extends DoFn<Row, KV<Integer, RowBlock>> {
    private final Schema schema;
    private final SerializableFunction<Row, Integer> key;
    private final int buckets;
    private transient Buckets open;

    KeyedBucketsFn(Schema schema, SerializableFunction<Row, Integer> key, int buckets) {
      this.schema = schema;
      this.key = key;
      this.buckets = buckets;
    }

    @StartBundle
    public void start() {
      if (open == null) {
        open = new Buckets(buckets, LINES, RowCoder.of(schema));
      }
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<Integer, RowBlock>> out) {
      open.add(row, key.apply(row), out::output);
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      open.flush(kv -> c.output(kv, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }
  }

  /** A bucket's rows, decoded, to its {@link InBucket}. */
  static final class InBucketFn extends DoFn<KV<Integer, Iterable<RowBlock>>, Row> {
    private final Schema schema;
    private final InBucket fn;
    private transient RowCoder coder;

    InBucketFn(Schema schema, InBucket fn) {
      this.schema = schema;
      this.fn = fn;
    }

    @Setup
    public void setup() {
      coder = RowCoder.of(schema);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<RowBlock>> bucket, OutputReceiver<Row> out) {
      // Decoded as the function iterates (once): the bucket's rows are not copied first.
      Iterable<Row> rows =
          () ->
              StreamSupport.stream(bucket.getValue().spliterator(), false)
                  .flatMap(b -> StreamSupport.stream(b.rows(coder).spliterator(), false))
                  .iterator();
      fn.apply(rows, out::output);
    }
  }

  /** The dedupe of {@link CleanRecords.PickFn}, for every key of a bucket. */
  static final class PickInBucket implements InBucket {
    private final List<String> keys;
    private final Progress duplicates;

    PickInBucket(SourceDataset d) {
      this.keys = d.keyFields();
      this.duplicates = Progress.counter(Accounting.DUPLICATES + d.sourceName());
    }

    @Override
    public void apply(Iterable<Row> rows, Consumer<Row> out) {
      Map<String, Row> best = new LinkedHashMap<>();
      long n = 0;
      for (Row r : rows) {
        n++;
        best.merge(
            CleanRecords.key(r, keys), r, (a, b) -> CleanRecords.BETTER.compare(b, a) < 0 ? b : a);
      }
      duplicates.inc(n - best.size());
      best.values().forEach(out);
    }
  }

  /** The order_ts rule of {@link CleanRecords.AssignOrderTsFn}, for every user of a bucket. */
  static final class AssignInBucket implements InBucket {
    private final LocalDate asOf;

    AssignInBucket(LocalDate asOf) {
      this.asOf = asOf;
    }

    @Override
    public void apply(Iterable<Row> rows, Consumer<Row> out) {
      Map<Integer, List<Row>> byUser = new LinkedHashMap<>();
      for (Row r : rows) {
        byUser
            .computeIfAbsent(r.getRow("record").getInt32("user_id"), k -> new ArrayList<>())
            .add(r);
      }
      for (List<Row> user : byUser.values()) {
        CleanRecords.AssignOrderTsFn.assign(user, asOf, out);
      }
    }
  }
}
