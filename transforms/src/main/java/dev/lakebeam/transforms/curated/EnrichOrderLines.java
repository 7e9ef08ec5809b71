package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.BundleSideInputs;
import dev.lakebeam.transforms.records.FieldPositions;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.HeldJoin;
import dev.lakebeam.transforms.records.IntLookup;
import dev.lakebeam.transforms.records.KeyByInt;
import dev.lakebeam.transforms.records.OpenBlocks;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.Rows;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Curated {@code order_lines_enriched}: every clean order line with its order (user, number,
 * weekday, hour, days since prior), product, aisle, department and unit price, and {@code
 * line_revenue = unit_price × quantity} (null when the price is unknown). Lines join orders by key
 * (both are large); products, aisles and departments are small and come as side inputs.
 */
public final class EnrichOrderLines extends PTransform<PCollection<Row>, PCollection<Row>> {
  /**
   * The columns of each clean input that enrichment reads: a reader may project on them (the clean
   * rows' lineage columns, which are most of a line's bytes, then never reach the join's shuffle).
   */
  public static final Map<Dataset, List<String>> COLUMNS =
      Map.of(
          Dataset.ORDER_LINES,
              List.of("order_id", "product_id", "add_to_cart_order", "reordered", "quantity"),
          Dataset.ORDERS,
              List.of(
                  "order_id",
                  "user_id",
                  "eval_set",
                  "order_number",
                  "order_dow",
                  "order_hour_of_day",
                  "days_since_prior_order",
                  "order_ts"),
          Dataset.PRODUCTS,
              List.of("product_id", "product_name", "aisle_id", "department_id", "unit_price"),
          Dataset.AISLES, List.of("aisle_id", "aisle"),
          Dataset.DEPARTMENTS, List.of("department_id", "department"));

  private final PCollection<Row> orders;
  private final PCollection<Row> products;
  private final PCollection<Row> aisles;
  private final PCollection<Row> departments;
  private final int buckets;

  /** Applied to clean order_lines; the other arguments are clean datasets too. */
  public EnrichOrderLines(
      PCollection<Row> orders,
      PCollection<Row> products,
      PCollection<Row> aisles,
      PCollection<Row> departments) {
    this(orders, products, aisles, departments, 64);
  }

  private EnrichOrderLines(
      PCollection<Row> orders,
      PCollection<Row> products,
      PCollection<Row> aisles,
      PCollection<Row> departments,
      int buckets) {
    this.orders = orders;
    this.products = products;
    this.aisles = aisles;
    this.departments = departments;
    this.buckets = buckets;
  }

  /**
   * How many buckets of orders a batch run's join moves (a bucket's orders are held in memory);
   * plan it from the input's size.
   */
  public EnrichOrderLines withBuckets(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("buckets must be positive, was " + n);
    }
    return new EnrichOrderLines(orders, products, aisles, departments, n);
  }

  /**
   * A batch run's enrichment (bounded lines in the global window), as blocks: the enriched lines in
   * blocks of kind {@link EnrichedTotals#ENRICHED_LINES} per partition folder ({@code keyOf}; all
   * under "" without one), and with {@code totals} the parts of {@code daily_department_sales} and
   * {@code product_performance} in blocks of their own kinds ({@link EnrichedTotals.Tables} reads
   * them).
   */
  public PTransform<PCollection<Row>, PCollection<KV<String, RowBlock>>> inBlocks(
      SerializableFunction<Row, String> keyOf, boolean totals) {
    return new InBlocks(this, keyOf, totals);
  }

  private static final class InBlocks
      extends PTransform<PCollection<Row>, PCollection<KV<String, RowBlock>>> {
    private final EnrichOrderLines e;
    private final SerializableFunction<Row, String> keyOf;
    private final boolean totals;

    InBlocks(EnrichOrderLines e, SerializableFunction<Row, String> keyOf, boolean totals) {
      this.e = e;
      this.keyOf = keyOf;
      this.totals = totals;
    }

    @Override
    public PCollection<KV<String, RowBlock>> expand(PCollection<Row> lines) {
      if (lines.isBounded() != PCollection.IsBounded.BOUNDED
          || !(lines.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
        throw new IllegalArgumentException(
            "the enrichment in blocks takes a batch collection in the global window, not "
                + lines.getWindowingStrategy());
      }
      PCollectionView<Map<Integer, Row>> productView = byId(e.products, "product_id", "products");
      PCollectionView<Map<Integer, Row>> aisleView = byId(e.aisles, "aisle_id", "aisles");
      PCollectionView<Map<Integer, Row>> departmentView =
          byId(e.departments, "department_id", "departments");
      PCollection<KV<Integer, RowBlock>> lineBlocks =
          GroupInBlocks.intoBuckets(
              lines, "Lines into buckets", r -> r.getInt32("order_id"), e.buckets, LINES);
      PCollection<KV<Integer, RowBlock>> orderBlocks =
          GroupInBlocks.intoBuckets(
              e.orders, "Orders into buckets", r -> r.getInt32("order_id"), e.buckets, ORDERS);
      return PCollectionList.of(lineBlocks)
          .and(orderBlocks)
          .apply("Blocks of lines and orders", Flatten.pCollections())
          .apply("Group blocks by bucket", GroupByKey.create())
          .apply(
              "Enrich lines",
              ParDo.of(
                      new EnrichBucketFn(
                          lines.getSchema(),
                          e.orders.getSchema(),
                          keyOf,
                          totals,
                          productView,
                          aisleView,
                          departmentView))
                  .withSideInputs(productView, aisleView, departmentView))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of()));
    }
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> lines) {
    if (lines.isBounded() == PCollection.IsBounded.BOUNDED
        && lines.getWindowingStrategy().getWindowFn() instanceof GlobalWindows) {
      // A batch run: lines and orders meet in buckets of blocks, not one element each; the
      // enriched rows as rows for a caller that wants them so (the backfill takes inBlocks).
      return PackRows.Shared.of(
              lines.apply("Enrich in blocks", inBlocks(null, false)),
              Dataset.ORDER_LINES_ENRICHED.beamSchema(),
              "Enriched lines",
              false,
              EnrichedTotals.ENRICHED_LINES)
          .apply("rows");
    }
    PCollectionView<Map<Integer, Row>> productView = byId(products, "product_id", "products");
    PCollectionView<Map<Integer, Row>> aisleView = byId(aisles, "aisle_id", "aisles");
    PCollectionView<Map<Integer, Row>> departmentView =
        byId(departments, "department_id", "departments");
    if (lines.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      // The stream: a clean line may reach this join in another pane than its order (HeldJoin).
      HeldJoin.Result held =
          HeldJoin.join(
              "Lines with orders",
              keyed(lines, "lines"),
              keyed(orders, "orders"),
              new ProductKey(),
              new AnyLine(),
              null);
      held.unmatched().apply("Lines without orders", ParDo.of(new NoOrderFn()));
      PCollection<Row> enriched =
          held.paired()
              .apply(
                  "Enrich lines",
                  ParDo.of(new EnrichHeldFn(productView, aisleView, departmentView))
                      .withSideInputs(productView, aisleView, departmentView))
              .setCoder(RowBytesCoder.of(Dataset.ORDER_LINES_ENRICHED.beamSchema()));
      return HeldJoin.rewindow(
          enriched, lines.getWindowingStrategy(), "Enriched lines into their windows");
    }
    TupleTag<Row> lineTag = new TupleTag<>("line");
    TupleTag<Row> orderTag = new TupleTag<>("order");
    return KeyedPCollectionTuple.of(lineTag, keyed(lines, "lines"))
        .and(orderTag, keyed(orders, "orders"))
        .apply("Join lines with orders", CoGroupByKey.create())
        .apply(
            "Enrich lines",
            ParDo.of(new EnrichFn(lineTag, orderTag, productView, aisleView, departmentView))
                .withSideInputs(productView, aisleView, departmentView))
        .setCoder(RowBytesCoder.of(Dataset.ORDER_LINES_ENRICHED.beamSchema()));
  }

  private static PCollection<KV<Integer, Row>> keyed(PCollection<Row> rows, String name) {
    return rows.apply("Key " + name + " by order", KeyByInt.of("order_id"));
  }

  private static PCollectionView<Map<Integer, Row>> byId(
      PCollection<Row> rows, String field, String name) {
    return rows.apply("Index " + name, KeyByInt.of(field)).apply("View " + name, View.asMap());
  }

  static final class EnrichFn extends DoFn<KV<Integer, CoGbkResult>, Row> {
    private final Enricher enricher = new Enricher();
    private final TupleTag<Row> lineTag;
    private final TupleTag<Row> orderTag;
    private final PCollectionView<Map<Integer, Row>> products;
    private final PCollectionView<Map<Integer, Row>> aisles;
    private final PCollectionView<Map<Integer, Row>> departments;

    EnrichFn(
        TupleTag<Row> lineTag,
        TupleTag<Row> orderTag,
        PCollectionView<Map<Integer, Row>> products,
        PCollectionView<Map<Integer, Row>> aisles,
        PCollectionView<Map<Integer, Row>> departments) {
      this.lineTag = lineTag;
      this.orderTag = orderTag;
      this.products = products;
      this.aisles = aisles;
      this.departments = departments;
    }

    private final BundleSideInputs sides = new BundleSideInputs();

    @StartBundle
    public void startBundle() {
      sides.reset();
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, CoGbkResult> e,
        BoundedWindow window,
        ProcessContext c,
        OutputReceiver<Row> out) {
      Row order = null;
      for (Row o : e.getValue().getAll(orderTag)) {
        order = o;
      }
      if (order == null) {
        throw new IllegalStateException(
            "clean order_lines reference order " + e.getKey() + ", which clean orders lack");
      }
      Map<Integer, Row> p = sides.copiedMap(products, window, c);
      Map<Integer, Row> a = sides.copiedMap(aisles, window, c);
      Map<Integer, Row> d = sides.copiedMap(departments, window, c);
      for (Row line : e.getValue().getAll(lineTag)) {
        out.output(enricher.enrich(order, line, p, a, d));
      }
    }
  }

  static final int LINES = 0;
  static final int ORDERS = 1;

  /**
   * One bucket of a batch run: its orders in a map, then each line enriched with its order and
   * packed per partition folder; with totals, the bundle's sums taken as well ({@link
   * EnrichedTotals}).
   */
  static final class EnrichBucketFn
      extends DoFn<KV<Integer, Iterable<RowBlock>>, KV<String, RowBlock>> {
    private final Enricher enricher = new Enricher();
    private final Schema lineSchema;
    private final Schema orderSchema;
    private final SerializableFunction<Row, String> keyOf;
    private final boolean totals;
    private final PCollectionView<Map<Integer, Row>> products;
    private final PCollectionView<Map<Integer, Row>> aisles;
    private final PCollectionView<Map<Integer, Row>> departments;
    private final BundleSideInputs sides = new BundleSideInputs();
    private transient RowCoder lineCoder;
    private transient RowCoder orderCoder;
    private transient OpenBlocks<String> open;
    private transient EnrichedTotals.Taker taker;
    // the bundle's copy of the products, and its lookup by id
    private transient Map<Integer, Row> productMap;
    private transient IntLookup<Row> productById;

    EnrichBucketFn(
        Schema lineSchema,
        Schema orderSchema,
        SerializableFunction<Row, String> keyOf,
        boolean totals,
        PCollectionView<Map<Integer, Row>> products,
        PCollectionView<Map<Integer, Row>> aisles,
        PCollectionView<Map<Integer, Row>> departments) {
      this.lineSchema = lineSchema;
      this.orderSchema = orderSchema;
      this.keyOf = keyOf;
      this.totals = totals;
      this.products = products;
      this.aisles = aisles;
      this.departments = departments;
    }

    @Setup
    public void setup() {
      lineCoder = RowCoder.of(lineSchema);
      orderCoder = RowCoder.of(orderSchema);
      open =
          new OpenBlocks<>(
              EnrichedTotals.ENRICHED_LINES,
              RowCoder.of(Dataset.ORDER_LINES_ENRICHED.beamSchema()));
    }

    @StartBundle
    public void startBundle() {
      sides.reset();
      taker = totals ? new EnrichedTotals.Taker() : null;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<RowBlock>> bucket,
        BoundedWindow window,
        ProcessContext c,
        OutputReceiver<KV<String, RowBlock>> out) {
      Map<Integer, Row> orderById = new HashMap<>();
      List<RowBlock> lineBlocks = new ArrayList<>();
      for (RowBlock block : bucket.getValue()) {
        if (block.kind() == ORDERS) {
          for (Row o : block.rows(orderCoder)) {
            orderById.put(o.getInt32("order_id"), o);
          }
        } else {
          lineBlocks.add(block);
        }
      }
      Map<Integer, Row> p = sides.copiedMap(products, window, c);
      if (p != productMap) {
        productMap = p;
        productById = IntLookup.of(p);
      }
      IntFunction<Row> byId = productById::get;
      Map<Integer, Row> a = sides.copiedMap(aisles, window, c);
      Map<Integer, Row> d = sides.copiedMap(departments, window, c);
      BiConsumer<String, RowBlock> handOn = (k, b) -> out.output(KV.of(k, b));
      for (RowBlock block : lineBlocks) {
        for (Row line : block.rows(lineCoder)) {
          Row order = orderById.get(line.getInt32("order_id"));
          if (order == null) {
            throw new IllegalStateException(
                "clean order_lines reference order "
                    + line.getInt32("order_id")
                    + ", which clean orders lack");
          }
          Row enriched = enricher.enrich(order, line, byId, a, d);
          if (taker != null) {
            taker.add(enriched);
          }
          open.add(keyOf == null ? "" : keyOf.apply(enriched), enriched, handOn);
        }
      }
      if (taker != null) {
        taker.endBucket(handOn);
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      BiConsumer<String, RowBlock> handOn =
          (k, b) -> c.output(KV.of(k, b), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
      open.flush(handOn);
      if (taker != null) {
        taker.flush(handOn);
      }
    }
  }

  /**
   * A clean line with its clean order and its product, aisle and department. Each input's field
   * positions are found once per schema ({@link FieldPositions}); one per DoFn instance.
   */
  static final class Enricher implements Serializable {
    private static final long serialVersionUID = 1L;
    // static: the rows carry the JVM's one instance of the schema, as the writers' plans expect
    private static final Rows.Of ENRICHED = Rows.of(Dataset.ORDER_LINES_ENRICHED.beamSchema());
    private final FieldPositions lineFields =
        new FieldPositions("order_id", "product_id", "add_to_cart_order", "reordered", "quantity");
    private final FieldPositions orderFields =
        new FieldPositions(
            "user_id",
            "eval_set",
            "order_number",
            "order_dow",
            "order_hour_of_day",
            "days_since_prior_order",
            "order_ts");
    private final FieldPositions productFields =
        new FieldPositions("product_name", "aisle_id", "department_id", "unit_price");
    private final FieldPositions aisleFields = new FieldPositions("aisle");
    private final FieldPositions departmentFields = new FieldPositions("department");

    Row enrich(Row order, Row line, Map<Integer, Row> p, Map<Integer, Row> a, Map<Integer, Row> d) {
      return enrich(order, line, p::get, a, d);
    }

    /** As above, the products looked up by {@code p} (an {@link IntLookup} in a batch run). */
    Row enrich(Row order, Row line, IntFunction<Row> p, Map<Integer, Row> a, Map<Integer, Row> d) {
      int[] l = lineFields.in(line.getSchema());
      int productId = line.getInt32(l[1]);
      Row product = p.apply(productId);
      if (product == null) {
        throw new IllegalStateException(
            "clean order_lines reference product " + productId + ", which clean products lack");
      }
      int[] pr = productFields.in(product.getSchema());
      int[] o = orderFields.in(order.getSchema());
      Integer aisleId = product.getInt32(pr[1]);
      Integer departmentId = product.getInt32(pr[2]);
      Row aisle = a.get(aisleId);
      Row department = d.get(departmentId);
      BigDecimal price = product.getDecimal(pr[3]);
      int quantity = line.getInt32(l[4]);
      return ENRICHED.attach(
          Arrays.asList(
              line.getInt32(l[0]),
              productId,
              line.getInt32(l[2]),
              line.getInt32(l[3]),
              quantity,
              order.getInt32(o[0]),
              order.getString(o[1]),
              order.getInt32(o[2]),
              order.getInt32(o[3]),
              order.getInt32(o[4]),
              order.getInt32(o[5]),
              order.getValue(o[6]),
              product.getString(pr[0]),
              aisleId,
              aisle == null ? "" : aisle.getString(aisleFields.in(aisle.getSchema())[0]),
              departmentId,
              department == null
                  ? ""
                  : department.getString(departmentFields.in(department.getSchema())[0]),
              price,
              price == null ? null : Money.toCent(price.multiply(BigDecimal.valueOf(quantity)))));
    }
  }

  /** The stream's enrichment of a line the held join paired with its clean order. */
  static final class EnrichHeldFn extends DoFn<KV<Row, Row>, Row> {
    private final Enricher enricher = new Enricher();
    private final PCollectionView<Map<Integer, Row>> products;
    private final PCollectionView<Map<Integer, Row>> aisles;
    private final PCollectionView<Map<Integer, Row>> departments;
    private final BundleSideInputs sides = new BundleSideInputs();

    EnrichHeldFn(
        PCollectionView<Map<Integer, Row>> products,
        PCollectionView<Map<Integer, Row>> aisles,
        PCollectionView<Map<Integer, Row>> departments) {
      this.products = products;
      this.aisles = aisles;
      this.departments = departments;
    }

    @StartBundle
    public void startBundle() {
      sides.reset();
    }

    @ProcessElement
    public void process(
        @Element KV<Row, Row> pair,
        BoundedWindow window,
        ProcessContext c,
        OutputReceiver<Row> out) {
      out.output(
          enricher.enrich(
              pair.getKey(),
              pair.getValue(),
              sides.get(products, window, c),
              sides.get(aisles, window, c),
              sides.get(departments, window, c)));
    }
  }

  /**
   * A clean line's key within its order, for the held join (clean lines are unique per order and
   * product).
   */
  static final class ProductKey implements SerializableFunction<Row, String> {
    @Override
    public String apply(Row line) {
      return String.valueOf(line.getInt32("product_id"));
    }
  }

  /** Clean lines are unique: no line is better than another. */
  static final class AnyLine implements HeldJoin.SerializableComparator {
    @Override
    public int compare(Row a, Row b) {
      return 0;
    }
  }

  /** A clean line never comes without its clean order; if one does, the job says so. */
  static final class NoOrderFn extends DoFn<Row, Void> {
    @ProcessElement
    public void process(@Element Row line) {
      throw new IllegalStateException(
          "clean order_lines reference order "
              + line.getInt32("order_id")
              + ", which clean orders lack");
    }
  }
}
