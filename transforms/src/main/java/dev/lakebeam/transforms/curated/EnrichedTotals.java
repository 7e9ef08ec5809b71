package dev.lakebeam.transforms.curated;

import dev.lakebeam.transforms.records.FieldPositions;
import dev.lakebeam.transforms.records.IntLookup;
import dev.lakebeam.transforms.records.LongSet;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.ReadableInstant;

/**
 * {@code daily_department_sales} and {@code product_performance} summed where a batch run enriches
 * its lines: a bucket of the enrichment holds whole orders, so the distinct orders of a day's
 * department counted per bucket add up exactly. Per bundle the enrichment hands on a part of each
 * day's sums and of each product's, in blocks of their own kinds beside the enriched lines' blocks
 * ({@link EnrichOrderLines#inBlocks}); {@link Tables} adds them up. Both tables are then made
 * without decoding the 30 M enriched lines again nor shuffling them by day (their blocks still
 * reach the reader of the parts, which skips them). The formulas are {@link DepartmentSums}' and
 * {@link ProductPerformance}'s, as when the tables are made from the lines.
 */
public final class EnrichedTotals {
  /** The kinds of blocks the enrichment hands on: enriched lines, parts of days, of products. */
  public static final int ENRICHED_LINES = 0;

  static final int DAYS = 1;
  static final int PRODUCTS = 2;

  private EnrichedTotals() {}

  /**
   * The two tables, as {@link Tables} gives them, from enriched lines read back (a consumption-only
   * run): with {@link DailyDepartmentSales} and {@link ProductPerformance} over the lines.
   */
  public static PCollectionTuple fromLines(PackRows.Shared enriched, int buckets) {
    return PCollectionTuple.of(
            Tables.DAILY_DEPARTMENT_SALES,
            enriched
                .apply("daily sales", DailyDepartmentSales.FIELDS)
                .apply("Daily department sales", new DailyDepartmentSales(buckets)))
        .and(
            Tables.PRODUCT_PERFORMANCE,
            enriched
                .apply("product performance", ProductPerformance.FIELDS)
                .apply("Product performance", new ProductPerformance()));
  }

  /** The sums of one DoFn instance's bundle, taken line by line as they are enriched. */
  static final class Taker {
    /** Parts held before they are handed on (a bundle on Flink is a task's whole input). */
    static final int MAX_OPEN = 200_000;

    private final int maxOpen;

    private final FieldPositions fields =
        new FieldPositions(
            "order_id",
            "order_ts",
            "department_id",
            "department",
            "quantity",
            "line_revenue",
            "product_id",
            "product_name",
            "reordered");
    // (order, department) pairs of the bucket seen so far: an order lies in one bucket only
    private final LongSet bucketOrderDepartments = new LongSet();
    // keyed by day and department mixed (Long's own hash, day ^ department, would pile a day's
    // departments into a few bins)
    private final Map<Long, DayPart> days = new HashMap<>();
    // by product_id: an array for ids below the bound, a map for the others
    private ProductPerformance.Sums[] denseProducts = new ProductPerformance.Sums[1024];
    private final Map<Integer, ProductPerformance.Sums> products = new HashMap<>();
    private int productCount;
    private RowCoder dayCoder;
    private RowCoder productCoder;

    Taker() {
      this(MAX_OPEN);
    }

    Taker(int maxOpen) {
      this.maxOpen = maxOpen;
    }

    /** Adds an enriched line of the bucket being enriched. */
    void add(Row line) {
      int[] at = fields.in(line.getSchema());
      int orderId = line.getInt32(at[0]);
      long day = Math.floorDiv(((ReadableInstant) line.getValue(at[1])).getMillis(), 86_400_000L);
      int departmentId = line.getInt32(at[2]);
      String department = line.getString(at[3]);
      int quantity = line.getInt32(at[4]);
      BigDecimal revenue = line.getDecimal(at[5]);
      Long dayKey = mix((day << 32) | (departmentId & 0xffffffffL));
      DayPart d = days.get(dayKey);
      if (d == null) {
        d = new DayPart(day, departmentId);
        days.put(dayKey, d);
      }
      boolean newOrder =
          bucketOrderDepartments.add(((long) orderId << 32) | (departmentId & 0xffffffffL));
      d.sums.add(newOrder, department, quantity, revenue);
      int productId = line.getInt32(at[6]);
      ProductPerformance.Sums p = productSums(productId);
      if (p == null) {
        p = new ProductPerformance.Sums(line.getString(at[7]), departmentId, department);
        putProductSums(productId, p);
      }
      p.add(quantity, line.getInt32(at[8]), revenue);
    }

    /** A bijection of longs that spreads two packed ints over all of a hash's bits. */
    private static long mix(long packed) {
      return packed * 0x9E3779B97F4A7C15L;
    }

    // Ids in [0, array length) are in the array, all others in the map; the array grows to a new
    // id only while ids stay dense (IntLookup's rule), taking over the map's ids below its length.
    private ProductPerformance.Sums productSums(int id) {
      return id >= 0 && id < denseProducts.length ? denseProducts[id] : products.get(id);
    }

    private void putProductSums(int id, ProductPerformance.Sums s) {
      productCount++;
      if (id >= denseProducts.length
          && id < IntLookup.MAX_DENSE_KEY
          && id < 4L * productCount + 1024) {
        int length =
            (int) Math.min(IntLookup.MAX_DENSE_KEY, Math.max(id + 1L, 2L * denseProducts.length));
        denseProducts = Arrays.copyOf(denseProducts, length);
        products
            .entrySet()
            .removeIf(
                e -> {
                  int k = e.getKey();
                  if (k >= 0 && k < length) {
                    denseProducts[k] = e.getValue();
                    return true;
                  }
                  return false;
                });
      }
      if (id >= 0 && id < denseProducts.length) {
        denseProducts[id] = s;
      } else {
        products.put(id, s);
      }
    }

    /** A day's department and the sums of its lines taken so far. */
    private static final class DayPart {
      final long day;
      final int departmentId;
      final DepartmentSums sums = new DepartmentSums();

      DayPart(long day, int departmentId) {
        this.day = day;
        this.departmentId = departmentId;
      }
    }

    /**
     * Ends a bucket: its orders are counted. Past the bound, every part is handed on; parts of one
     * day from two hand-overs share no order either.
     */
    void endBucket(BiConsumer<String, RowBlock> out) {
      bucketOrderDepartments.clear();
      if (days.size() + productCount > maxOpen) {
        flush(out);
      }
    }

    /** Hands on every part held, in blocks keyed by "" (they belong to no partition folder). */
    void flush(BiConsumer<String, RowBlock> out) {
      if (dayCoder == null) {
        dayCoder = RowCoder.of(DailyDepartmentSales.DAY_TOTALS);
        productCoder = RowCoder.of(ProductPerformance.SUMS);
      }
      RowBlock.Builder dayBlock = new RowBlock.Builder(DAYS, dayCoder);
      for (DayPart d : days.values()) {
        dayBlock.add(DailyDepartmentSales.dayTotals(d.day, d.departmentId, d.sums));
        handOnWhenFull(dayBlock, out);
      }
      RowBlock.Builder productBlock = new RowBlock.Builder(PRODUCTS, productCoder);
      for (int id = 0; id < denseProducts.length; id++) {
        if (denseProducts[id] != null) {
          productBlock.add(denseProducts[id].row(id));
          handOnWhenFull(productBlock, out);
        }
      }
      for (Map.Entry<Integer, ProductPerformance.Sums> e : products.entrySet()) {
        productBlock.add(e.getValue().row(e.getKey()));
        handOnWhenFull(productBlock, out);
      }
      for (RowBlock.Builder b : new RowBlock.Builder[] {dayBlock, productBlock}) {
        if (!b.isEmpty()) {
          out.accept("", b.take());
        }
      }
      days.clear();
      products.clear();
      Arrays.fill(denseProducts, null);
      productCount = 0;
    }

    private static void handOnWhenFull(RowBlock.Builder b, BiConsumer<String, RowBlock> out) {
      if (b.bytes() >= PackRows.BLOCK_BYTES) {
        out.accept("", b.take());
      }
    }
  }

  /**
   * The two tables from the blocks of {@link EnrichOrderLines#inBlocks} (the lines' blocks are
   * skipped): the parts added up per day and department, and per product.
   */
  public static final class Tables
      extends PTransform<PCollection<KV<String, RowBlock>>, PCollectionTuple> {
    public static final TupleTag<Row> DAILY_DEPARTMENT_SALES =
        new TupleTag<>("daily_department_sales") {};
    public static final TupleTag<Row> PRODUCT_PERFORMANCE =
        new TupleTag<>("product_performance") {};
    private static final TupleTag<Row> DAY_PARTS = new TupleTag<>("day parts") {};
    private static final TupleTag<KV<Integer, Row>> PRODUCT_PARTS =
        new TupleTag<>("product parts") {};

    @Override
    public PCollectionTuple expand(PCollection<KV<String, RowBlock>> blocks) {
      PCollectionTuple parts =
          blocks.apply(
              "Parts of the sums",
              ParDo.of(new PartsFn()).withOutputTags(DAY_PARTS, TupleTagList.of(PRODUCT_PARTS)));
      PCollection<Row> daily =
          parts
              .get(DAY_PARTS)
              .setCoder(RowBytesCoder.of(DailyDepartmentSales.DAY_TOTALS))
              .apply("Daily department sales", new DailyDepartmentSales.FromParts());
      PCollection<Row> performance =
          parts
              .get(PRODUCT_PARTS)
              .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(ProductPerformance.SUMS)))
              .apply("Product performance", new ProductPerformance.Ranked());
      return PCollectionTuple.of(DAILY_DEPARTMENT_SALES, daily)
          .and(PRODUCT_PERFORMANCE, performance);
    }
  }

  /**
   * The rows of the parts' blocks, to their tables' outputs (two outputs: the parts are a few
   * thousand rows per bundle, so their readers receiving both costs nothing).
   */
  static final class PartsFn extends DoFn<KV<String, RowBlock>, Row> {
    private transient RowCoder dayCoder;
    private transient RowCoder productCoder;

    @Setup
    public void setup() {
      dayCoder = RowCoder.of(DailyDepartmentSales.DAY_TOTALS);
      productCoder = RowCoder.of(ProductPerformance.SUMS);
    }

    @ProcessElement
    public void process(@Element KV<String, RowBlock> block, MultiOutputReceiver out) {
      RowBlock b = block.getValue();
      if (b.kind() == DAYS) {
        for (Row r : b.rows(dayCoder)) {
          out.get(Tables.DAY_PARTS).output(r);
        }
      } else if (b.kind() == PRODUCTS) {
        for (Row r : b.rows(productCoder)) {
          out.get(Tables.PRODUCT_PARTS).output(KV.of(r.getInt32("product_id"), r));
        }
      } else if (b.kind() != ENRICHED_LINES) {
        throw new IllegalStateException("a block of unknown kind " + b.kind());
      }
    }
  }
}
