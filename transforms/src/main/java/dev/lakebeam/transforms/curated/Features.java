package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.FieldPositions;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.OpenBlocks;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.Rows;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.ReadableInstant;

/**
 * The per-user roll-up of {@code order_lines_enriched}: one shuffle by {@code user_id} gives the
 * curated feature tables {@code user_features}, {@code user_product_features} and (combined per
 * product) {@code product_features}, all from {@code prior} lines only, and the RFM inputs of
 * {@code customer_segments} from every line. Each feature is defined once, here; docs/FEATURES.md
 * has the same definitions as a table.
 *
 * <p>Every sum is an integer sum, so the results do not depend on the order a runner delivers the
 * lines in: DirectRunner and Flink, and any rerun, give identical values.
 */
public final class Features extends PTransform<PCollection<Row>, PCollectionTuple> {
  public static final TupleTag<Row> USER_FEATURES = new TupleTag<>("user_features") {};
  public static final TupleTag<Row> USER_PRODUCT_FEATURES =
      new TupleTag<>("user_product_features") {};
  public static final TupleTag<Row> PRODUCT_FEATURES = new TupleTag<>("product_features") {};

  /**
   * Per user: recency, frequency and monetary inputs over every order (see {@link #RFM_SCHEMA}).
   */
  public static final TupleTag<Row> RFM = new TupleTag<>("rfm") {};

  /**
   * user_id; days from the last order's date to as_of; orders; revenue in cents (null: no priced
   * line).
   */
  public static final Schema RFM_SCHEMA =
      Schema.builder()
          .addInt32Field("user_id")
          .addInt32Field("recency")
          .addInt32Field("frequency")
          .addNullableField("monetary_cents", Schema.FieldType.INT64)
          .build();

  /**
   * The enriched fields the roll-up reads: only these cross the shuffle by user (about half the
   * bytes of a whole enriched line, which also carries product, aisle and price).
   */
  public static final List<String> ROLL_UP_FIELDS =
      List.of(
          "user_id",
          "order_id",
          "order_ts",
          "eval_set",
          "order_number",
          "days_since_prior_order",
          "product_id",
          "add_to_cart_order",
          "reordered",
          "department_id",
          "department",
          "line_revenue");

  /** Buckets of users in the grouping when none are planned ({@link #withBuckets}). */
  static final int DEFAULT_BUCKETS = 64;

  /**
   * Every output of the roll-up in blocks of its kind (one collection; {@link #shared} reads one
   * output's blocks), keyed by {@link #withBlockKey}'s key.
   */
  public static final TupleTag<KV<String, RowBlock>> BLOCKS = new TupleTag<>("blocks") {};

  private final LocalDate asOf;
  private final int buckets;
  private final String blockKey;

  private Features(LocalDate asOf, int buckets, String blockKey) {
    this.asOf = asOf;
    this.buckets = buckets;
    this.blockKey = blockKey;
  }

  /**
   * @param asOf the date the features describe; {@code days_since_last_order} and recency count to
   *     it
   */
  public static Features asOf(LocalDate asOf) {
    return new Features(asOf, DEFAULT_BUCKETS, "");
  }

  /**
   * How many buckets of users cross the grouping by user ({@link GroupInBlocks}); plan it from the
   * input's size.
   */
  public Features withBuckets(int n) {
    return new Features(asOf, n, blockKey);
  }

  /**
   * The key of every block in {@link #BLOCKS}: the partition folder of the as_of tables, so that a
   * writer of that layout takes the blocks as they are.
   */
  public Features withBlockKey(String key) {
    return new Features(asOf, buckets, key);
  }

  @Override
  public PCollectionTuple expand(PCollection<Row> enriched) {
    if (!(enriched.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "Features rolls up a batch collection in the global window, not "
              + enriched.getWindowingStrategy());
    }
    // The roll-up hands on its four outputs in blocks of their kinds through one output: on Flink
    // each reader of a step with several outputs receives all of them, row by row.
    PCollection<KV<String, RowBlock>> rolledUp =
        PackRows.select(enriched, "Fields of the roll-up", ROLL_UP_FIELDS)
            .apply("Group by user", GroupInBlocks.by(r -> r.getInt32("user_id"), buckets))
            .apply("Roll up users", ParDo.of(new PerUserFn(asOf.toEpochDay(), blockKey)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of()));
    PCollection<Row> products =
        PackRows.Shared.of(rolledUp, STATS_SCHEMA, "Roll-up", false, Kind.PRODUCT_STATS.ordinal())
            .apply("product stats")
            .apply(
                "Stats per product",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.integers(),
                            TypeDescriptors.lists(TypeDescriptors.longs())))
                    .via(Features::stats))
            .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(VarLongCoder.of())))
            .apply(
                "Sum per product",
                Combine.perKey(
                    Combine.BinaryCombineFn.of(
                        (SerializableBiFunction<List<Long>, List<Long>, List<Long>>)
                            Features::add)))
            .apply(
                "Product features",
                MapElements.into(TypeDescriptors.rows()).via(Features::productFeatures))
            .setCoder(RowBytesCoder.of(Dataset.PRODUCT_FEATURES.beamSchema()));
    return PCollectionTuple.of(BLOCKS, rolledUp).and(PRODUCT_FEATURES, products);
  }

  /**
   * One output of the roll-up as rows: {@link #PRODUCT_FEATURES} as made, the others read from
   * {@link #BLOCKS}. Ask once per output: each call adds a reader of the blocks (only the outputs
   * asked for are decoded).
   */
  public static PCollection<Row> rows(PCollectionTuple features, TupleTag<Row> output) {
    if (output.equals(PRODUCT_FEATURES)) {
      return features.get(PRODUCT_FEATURES);
    }
    Kind kind = Kind.of(output);
    return PackRows.Shared.of(features.get(BLOCKS), kind.schema, "Roll-up", false, kind.ordinal())
        .apply(output.getId());
  }

  /**
   * The blocks of one output ({@link #USER_FEATURES}, {@link #USER_PRODUCT_FEATURES} or {@link
   * #RFM}) of this roll-up's {@code features}, keyed by its block key ({@link #withBlockKey}), for
   * a writer that takes blocks as they are.
   */
  public PackRows.Shared shared(PCollectionTuple features, TupleTag<Row> output) {
    if (blockKey.isEmpty()) {
      throw new IllegalStateException("the roll-up's blocks have no key: set withBlockKey first");
    }
    Kind kind = Kind.of(output);
    return PackRows.Shared.of(
        features.get(BLOCKS), kind.schema, "Roll-up " + output.getId(), true, kind.ordinal());
  }

  /** The outputs of the roll-up, each a kind of block with its schema. */
  enum Kind {
    USERS(USER_FEATURES, Dataset.USER_FEATURES.beamSchema()),
    PAIRS(USER_PRODUCT_FEATURES, Dataset.USER_PRODUCT_FEATURES.beamSchema()),
    RFM(Features.RFM, RFM_SCHEMA),
    PRODUCT_STATS(null, STATS_SCHEMA);

    final TupleTag<Row> output;
    final Schema schema;

    Kind(TupleTag<Row> output, Schema schema) {
      this.output = output;
      this.schema = schema;
    }

    static Kind of(TupleTag<Row> output) {
      for (Kind k : values()) {
        if (output.equals(k.output)) {
          return k;
        }
      }
      throw new IllegalArgumentException("the roll-up makes no blocks of " + output.getId());
    }
  }

  /**
   * Per product, the prior stats of a bundle's users: lines, users, reordered, cart positions,
   * users who bought twice+.
   */
  static final Schema STATS_SCHEMA =
      Schema.builder()
          .addInt32Field("product_id")
          .addInt64Field("lines")
          .addInt64Field("users")
          .addInt64Field("reordered")
          .addInt64Field("cart_sum")
          .addInt64Field("twice")
          .build();

  static KV<Integer, List<Long>> stats(Row r) {
    return KV.of(
        r.getInt32(0),
        List.of(r.getInt64(1), r.getInt64(2), r.getInt64(3), r.getInt64(4), r.getInt64(5)));
  }

  // Per (user, product) prior stats, summed per product: lines, users, reordered, cart positions,
  // users who bought twice+.
  static List<Long> add(List<Long> a, List<Long> b) {
    List<Long> s = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      s.add(a.get(i) + b.get(i));
    }
    return s;
  }

  static Row productFeatures(KV<Integer, List<Long>> kv) {
    List<Long> s = kv.getValue();
    long lines = s.get(0);
    long users = s.get(1);
    return Rows.attach(
        Dataset.PRODUCT_FEATURES.beamSchema(),
        Arrays.asList(
            kv.getKey(),
            lines,
            users,
            (double) s.get(2) / lines,
            (double) s.get(3) / lines,
            (double) s.get(4) / users));
  }

  /** One user's lines: their features, their per-product features and stats, their RFM inputs. */
  static final class PerUserFn extends DoFn<KV<Integer, Iterable<Row>>, KV<String, RowBlock>> {
    private static final long DAY_MILLIS = 86_400_000L;
    private final long asOfDay;
    // looked up by position: by name, a dozen fields of 30 M lines would each hash their name
    private final FieldPositions fields =
        new FieldPositions(
            "order_id",
            "order_ts",
            "line_revenue",
            "eval_set",
            "days_since_prior_order",
            "order_number",
            "reordered",
            "product_id",
            "add_to_cart_order",
            "department_id",
            "department");

    private final String blockKey;

    PerUserFn(long asOfDay, String blockKey) {
      this.asOfDay = asOfDay;
      this.blockKey = blockKey;
    }

    // Per product prior stats of the bundle's users, summed before the combine: one element per
    // product and bundle instead of one per (user, product) pair.
    private static final int MAX_OPEN_PRODUCTS = 200_000;
    private transient Map<Integer, long[]> productStats;
    // one block being filled per kind of output
    private transient Map<Kind, OpenBlocks<String>> open;

    @Setup
    public void setup() {
      open = new EnumMap<>(Kind.class);
      for (Kind k : Kind.values()) {
        open.put(k, new OpenBlocks<>(k.ordinal(), RowCoder.of(k.schema)));
      }
    }

    @StartBundle
    public void start() {
      productStats = new HashMap<>();
    }

    private void add(Kind kind, Row row, BiConsumer<String, RowBlock> out) {
      open.get(kind).add(blockKey, row, out);
    }

    /** A prior (user, product) pair being summed. */
    private static final class Pair {
      int times;
      int reordered;
      long cartSum;
      int lastOrderNumber;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Row>> user, OutputReceiver<KV<String, RowBlock>> receiver) {
      BiConsumer<String, RowBlock> out = (k, b) -> receiver.output(KV.of(k, b));
      int userId = user.getKey();
      // Every order of the user (any eval_set): order_id -> epoch day; prior orders: order_id ->
      // days_since_prior.
      Map<Integer, Long> orderDay = new HashMap<>();
      Map<Integer, Integer> priorOrders = new HashMap<>();
      Map<Integer, Long> priorOrderDay = new HashMap<>();
      Map<Integer, Pair> pairs = new TreeMap<>();
      Map<Integer, Long> departmentLines = new TreeMap<>();
      String favouriteName = null;
      Map<Integer, String> departmentNames = new HashMap<>();
      long cents = 0;
      boolean priced = false;
      long priorLines = 0;
      long linesAfterFirst = 0;
      long reorderedAfterFirst = 0;
      int maxOrderNumber = 0;
      for (Row r : user.getValue()) {
        int[] at = fields.in(r.getSchema());
        int orderId = r.getInt32(at[0]);
        long day = Math.floorDiv(((ReadableInstant) r.getValue(at[1])).getMillis(), DAY_MILLIS);
        orderDay.put(orderId, day);
        BigDecimal revenue = r.getDecimal(at[2]);
        if (revenue != null) {
          cents = Math.addExact(cents, Money.cents(revenue));
          priced = true;
        }
        if (!"prior".equals(r.getString(at[3]))) {
          continue;
        }
        Integer gap = r.getInt32(at[4]);
        priorOrders.put(orderId, gap == null ? -1 : gap);
        priorOrderDay.put(orderId, day);
        int orderNumber = r.getInt32(at[5]);
        maxOrderNumber = Math.max(maxOrderNumber, orderNumber);
        priorLines++;
        int reordered = r.getInt32(at[6]);
        if (orderNumber > 1) {
          linesAfterFirst++;
          reorderedAfterFirst += reordered;
        }
        Pair p = pairs.get(r.getInt32(at[7]));
        if (p == null) {
          p = new Pair();
          pairs.put(r.getInt32(at[7]), p);
        }
        p.times++;
        p.reordered += reordered;
        p.cartSum += r.getInt32(at[8]);
        p.lastOrderNumber = Math.max(p.lastOrderNumber, orderNumber);
        int department = r.getInt32(at[9]);
        departmentLines.merge(department, 1L, Long::sum);
        departmentNames.put(department, r.getString(at[10]));
      }
      long lastDay = orderDay.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      add(
          Kind.RFM,
          Rows.attach(
              RFM_SCHEMA,
              Arrays.asList(
                  userId,
                  (int) (asOfDay - lastDay),
                  orderDay.size(),
                  priced ? (Long) cents : null)),
          out);
      if (priorOrders.isEmpty()) {
        return;
      }
      int orders = priorOrders.size();
      long gapCount = 0;
      long gapSum = 0;
      long gapSquares = 0;
      for (int gap : priorOrders.values()) {
        if (gap >= 0) {
          gapCount++;
          gapSum += gap;
          gapSquares += (long) gap * gap;
        }
      }
      Integer favourite = null;
      long best = -1;
      for (Map.Entry<Integer, Long> e : departmentLines.entrySet()) {
        if (e.getValue() > best) { // ascending ids: ties go to the lowest department_id
          best = e.getValue();
          favourite = e.getKey();
        }
      }
      favouriteName = departmentNames.get(favourite);
      long lastPriorDay =
          priorOrderDay.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      add(
          Kind.USERS,
          Rows.attach(
              Dataset.USER_FEATURES.beamSchema(),
              Arrays.asList(
                  userId,
                  orders,
                  priorLines,
                  pairs.size(),
                  (double) priorLines / orders,
                  gapCount == 0 ? null : (Double) ((double) gapSum / gapCount),
                  gapCount == 0
                      ? null
                      : (Double)
                          Math.sqrt(
                              (double) (gapCount * gapSquares - gapSum * gapSum)
                                  / ((double) gapCount * gapCount)),
                  linesAfterFirst == 0
                      ? null
                      : (Double) ((double) reorderedAfterFirst / linesAfterFirst),
                  favourite,
                  favouriteName,
                  (int) (asOfDay - lastPriorDay))),
          out);
      for (Map.Entry<Integer, Pair> e : pairs.entrySet()) {
        Pair p = e.getValue();
        add(
            Kind.PAIRS,
            Rows.attach(
                Dataset.USER_PRODUCT_FEATURES.beamSchema(),
                Arrays.asList(
                    userId,
                    e.getKey(),
                    p.times,
                    (double) p.times / orders,
                    p.lastOrderNumber,
                    maxOrderNumber - p.lastOrderNumber,
                    (double) p.cartSum / p.times,
                    p.lastOrderNumber == maxOrderNumber)),
            out);
        long[] stats = productStats.computeIfAbsent(e.getKey(), k -> new long[5]);
        stats[0] += p.times;
        stats[1] += 1;
        stats[2] += p.reordered;
        stats[3] += p.cartSum;
        stats[4] += p.times >= 2 ? 1 : 0;
      }
      if (productStats.size() > MAX_OPEN_PRODUCTS) {
        emitProductStats(out);
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      BiConsumer<String, RowBlock> out =
          (k, b) -> c.output(KV.of(k, b), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
      emitProductStats(out);
      for (OpenBlocks<String> blocks : open.values()) {
        blocks.flush(out);
      }
    }

    private void emitProductStats(BiConsumer<String, RowBlock> out) {
      productStats.forEach(
          (product, s) ->
              add(
                  Kind.PRODUCT_STATS,
                  Rows.attach(STATS_SCHEMA, Arrays.asList(product, s[0], s[1], s[2], s[3], s[4])),
                  out));
      productStats.clear();
    }
  }
}
