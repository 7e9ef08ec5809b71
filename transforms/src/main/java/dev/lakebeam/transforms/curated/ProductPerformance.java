package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.Rows;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Consumption {@code product_performance} from {@code order_lines_enriched}, every line (prior and
 * train): per product the orders containing it, units (sum of quantities), revenue (to the cent;
 * null when the product has no price), reorder rate (share of its lines flagged reordered) and its
 * rank within its department by units (descending; ties by product_id ascending).
 */
public final class ProductPerformance extends PTransform<PCollection<Row>, PCollection<Row>> {
  /** The enriched fields the sums read. */
  public static final List<String> FIELDS =
      List.of(
          "product_id",
          "product_name",
          "department_id",
          "department",
          "quantity",
          "reordered",
          "line_revenue");

  /** Sums per product; the names ride along (they are equal on every line of a product). */
  static final Schema SUMS =
      Schema.builder()
          .addInt32Field("product_id")
          .addStringField("product_name")
          .addInt32Field("department_id")
          .addStringField("department")
          .addInt64Field("lines")
          .addInt64Field("units")
          .addInt64Field("reordered")
          .addNullableField("revenue_cents", Schema.FieldType.INT64)
          .build();

  @Override
  public PCollection<Row> expand(PCollection<Row> enriched) {
    if (!(enriched.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "ProductPerformance sums a batch collection in the global window, not "
              + enriched.getWindowingStrategy());
    }
    return enriched
        .apply("Line sums", ParDo.of(new BundleSumsFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(SUMS)))
        .apply("Rank", new Ranked());
  }

  /**
   * The table from partial sums per product (rows of {@link #SUMS}, keyed by product_id): added up
   * per product, then ranked within each department.
   */
  static final class Ranked extends PTransform<PCollection<KV<Integer, Row>>, PCollection<Row>> {
    @Override
    public PCollection<Row> expand(PCollection<KV<Integer, Row>> partialSums) {
      return partialSums
          .apply(
              "Sum per product",
              Combine.perKey(Combine.BinaryCombineFn.of(ProductPerformance::add)))
          .apply(
              "Key by department",
              MapElements.into(
                      TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                  .via(
                      (KV<Integer, Row> kv) ->
                          KV.of(kv.getValue().getInt32("department_id"), kv.getValue())))
          .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(SUMS)))
          .apply("Group by department", GroupByKey.create())
          .apply("Rank in department", ParDo.of(new RankFn()))
          .setCoder(RowBytesCoder.of(Dataset.PRODUCT_PERFORMANCE.beamSchema()));
    }
  }

  /** A product's running sums over some of its lines; the names ride along. */
  static final class Sums {
    private final String name;
    private final int departmentId;
    private final String department;
    private long lines;
    private long units;
    private long reordered;
    private Long cents;

    Sums(String name, int departmentId, String department) {
      this.name = name;
      this.departmentId = departmentId;
      this.department = department;
    }

    void add(int quantity, int reorderedFlag, BigDecimal revenue) {
      lines++;
      units += quantity;
      reordered += reorderedFlag;
      if (revenue != null) {
        cents = Math.addExact(cents == null ? 0L : cents, Money.cents(revenue));
      }
    }

    /** The sums as a row of {@link #SUMS}. */
    Row row(int productId) {
      return Rows.attach(
          SUMS,
          Arrays.asList(productId, name, departmentId, department, lines, units, reordered, cents));
    }
  }

  /**
   * Per product sums of a bundle's lines, handed on at the end of the bundle (or past a bound): the
   * combine then sees one element per product and bundle, not one per line.
   */
  static final class BundleSumsFn extends DoFn<Row, KV<Integer, Row>> {
    private static final int MAX_OPEN = 200_000;
    private transient Map<Integer, Sums> open;

    @StartBundle
    public void start() {
      open = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element Row r, OutputReceiver<KV<Integer, Row>> out) {
      Integer id = r.getInt32("product_id");
      Sums s = open.get(id);
      if (s == null) {
        // not computeIfAbsent: a lambda that captures the row is allocated on every line
        s =
            new Sums(
                r.getString("product_name"),
                r.getInt32("department_id"),
                r.getString("department"));
        open.put(id, s);
      }
      s.add(r.getInt32("quantity"), r.getInt32("reordered"), r.getDecimal("line_revenue"));
      if (open.size() > MAX_OPEN) {
        emit(out::output);
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      emit(kv -> c.output(kv, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }

    private void emit(Consumer<KV<Integer, Row>> out) {
      open.forEach((id, s) -> out.accept(KV.of(id, s.row(id))));
      open.clear();
    }
  }

  static Row add(Row a, Row b) {
    Long ra = a.getInt64("revenue_cents");
    Long rb = b.getInt64("revenue_cents");
    return Rows.attach(
        SUMS,
        Arrays.asList(
            a.getInt32("product_id"),
            a.getString("product_name"),
            a.getInt32("department_id"),
            a.getString("department"),
            a.getInt64("lines") + b.getInt64("lines"),
            a.getInt64("units") + b.getInt64("units"),
            a.getInt64("reordered") + b.getInt64("reordered"),
            ra == null ? rb : rb == null ? ra : Long.valueOf(Math.addExact(ra, rb))));
  }

  static final class RankFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Row>> department, OutputReceiver<Row> out) {
      List<Row> products = new ArrayList<>();
      department.getValue().forEach(products::add);
      products.sort(
          Comparator.<Row>comparingLong(r -> -r.getInt64("units"))
              .thenComparingInt(r -> r.getInt32("product_id")));
      int rank = 0;
      for (Row s : products) {
        Long cents = s.getInt64("revenue_cents");
        out.output(
            Row.withSchema(Dataset.PRODUCT_PERFORMANCE.beamSchema())
                .withFieldValue("product_id", s.getInt32("product_id"))
                .withFieldValue("product_name", s.getString("product_name"))
                .withFieldValue("department", s.getString("department"))
                .withFieldValue("orders", s.getInt64("lines"))
                .withFieldValue("units", s.getInt64("units"))
                .withFieldValue("revenue", cents == null ? null : Money.usd(cents))
                .withFieldValue(
                    "reorder_rate", (double) s.getInt64("reordered") / s.getInt64("lines"))
                .withFieldValue("rank_in_department", ++rank)
                .build());
      }
    }
  }
}
