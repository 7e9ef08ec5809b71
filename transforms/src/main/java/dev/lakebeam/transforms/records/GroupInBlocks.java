package dev.lakebeam.transforms.records;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * A GroupByKey on an int key that moves blocks, not rows: in a batch collection rows go into blocks
 * per hash bucket of the key, one grouping by bucket brings a bucket's blocks together, and its
 * rows are grouped by the key in memory. The output is the GroupByKey's. Flink sorts a grouping's
 * elements by their key bytes, comparing whole keys on every tie, so many rows per key cost most at
 * the sort; blocks keep the sort to a few thousand elements. A stream (or any window but the global
 * one) takes the plain GroupByKey.
 */
public final class GroupInBlocks
    extends PTransform<PCollection<Row>, PCollection<KV<Integer, Iterable<Row>>>> {
  private final SerializableFunction<Row, Integer> key;
  private final int buckets;

  private GroupInBlocks(SerializableFunction<Row, Integer> key, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be positive, was " + buckets);
    }
    this.key = key;
    this.buckets = buckets;
  }

  /**
   * @param key the int key of a row (never null)
   * @param buckets how many groups of keys cross the shuffle; a bucket's rows are held decoded at
   *     once
   */
  public static GroupInBlocks by(SerializableFunction<Row, Integer> key, int buckets) {
    return new GroupInBlocks(key, buckets);
  }

  /** The bucket of a key: spread by a multiplicative hash, so consecutive keys do not cluster. */
  public static int bucket(int key, int buckets) {
    int h = key * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), buckets);
  }

  @Override
  public PCollection<KV<Integer, Iterable<Row>>> expand(PCollection<Row> rows) {
    Schema schema = rows.getSchema();
    if (rows.isBounded() != PCollection.IsBounded.BOUNDED
        || !(rows.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      SerializableFunction<Row, Integer> k = key;
      return rows.apply(
              "Key",
              MapElements.into(
                      TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                  .via((Row r) -> KV.of(k.apply(r), r)))
          .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(schema)))
          .apply("Group", GroupByKey.create());
    }
    return intoBuckets(rows, "Into bucket blocks", key, buckets, 0)
        .apply("Group blocks by bucket", GroupByKey.create())
        .apply("Group rows by key", ParDo.of(new ByKeyFn(schema, key)))
        .setCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(RowBytesCoder.of(schema))));
  }

  /**
   * Rows of a batch collection into blocks of one {@code kind} per bucket of their key, keyed by
   * bucket: collections bucketed alike meet in one grouping by bucket (a join on blocks).
   */
  public static PCollection<KV<Integer, RowBlock>> intoBuckets(
      PCollection<Row> rows,
      String name,
      SerializableFunction<Row, Integer> key,
      int buckets,
      int kind) {
    return rows.apply(name, ParDo.of(new IntoBucketsFn(rows.getSchema(), key, buckets, kind)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBlock.Coder.of()));
  }

  static final class IntoBucketsFn extends DoFn<Row, KV<Integer, RowBlock>> {
    private final Schema schema;
    private final SerializableFunction<Row, Integer> key;
    private final int buckets;
    private final int kind;
    private transient OpenBlocks<Integer> open;

    IntoBucketsFn(Schema schema, SerializableFunction<Row, Integer> key, int buckets, int kind) {
      this.schema = schema;
      this.key = key;
      this.buckets = buckets;
      this.kind = kind;
    }

    @Setup
    public void setup() {
      open = new OpenBlocks<>(kind, RowCoder.of(schema));
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<Integer, RowBlock>> out) {
      open.add(bucket(key.apply(row), buckets), row, (b, block) -> out.output(KV.of(b, block)));
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      open.flush(
          (b, block) ->
              c.output(KV.of(b, block), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }
  }

  /** A bucket's rows, decoded and grouped by key; each key's rows as one element. */
  static final class ByKeyFn
      extends DoFn<KV<Integer, Iterable<RowBlock>>, KV<Integer, Iterable<Row>>> {
    private final Schema schema;
    private final SerializableFunction<Row, Integer> key;
    private transient RowCoder coder;

    ByKeyFn(Schema schema, SerializableFunction<Row, Integer> key) {
      this.schema = schema;
      this.key = key;
    }

    @Setup
    public void setup() {
      coder = RowCoder.of(schema);
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<RowBlock>> bucket,
        OutputReceiver<KV<Integer, Iterable<Row>>> out) {
      Map<Integer, List<Row>> groups = new HashMap<>();
      for (RowBlock block : bucket.getValue()) {
        for (Row r : block.rows(coder)) {
          groups.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        }
      }
      groups.forEach((k, rows) -> out.output(KV.of(k, rows)));
    }
  }
}
