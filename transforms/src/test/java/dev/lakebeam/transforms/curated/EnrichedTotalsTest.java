package dev.lakebeam.transforms.curated;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.records.IntLookup;
import dev.lakebeam.transforms.records.RowBlock;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/**
 * The daily and product sums taken in the enrichment's buckets ({@link EnrichedTotals}) give the
 * same tables as {@link DailyDepartmentSales} and {@link ProductPerformance} over the enriched
 * lines: on a random set where orders share days and departments across buckets, orders have
 * several lines of one department, and some products have no price.
 */
public class EnrichedTotalsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static Row row(Dataset d, Object... kv) {
    return CuratedAndDailySalesTest.row(d, kv);
  }

  private PCollection<Row> in(String name, Dataset d, List<Row> rows) {
    return p.apply(name, Create.of(rows).withRowSchema(d.beamSchema()));
  }

  @Test
  public void sumsTakenInTheBucketsEqualTheSumsOverTheLines() {
    Random random = new Random(23);
    List<Row> departments = new ArrayList<>();
    for (int d = 1; d <= 4; d++) {
      departments.add(row(Dataset.DEPARTMENTS, "department_id", d, "department", "dept" + d));
    }
    List<Row> aisles = List.of(row(Dataset.AISLES, "aisle_id", 1, "aisle", "a"));
    List<Row> products = new ArrayList<>();
    for (int id = 1; id <= 40; id++) {
      products.add(
          row(
              Dataset.PRODUCTS,
              "product_id",
              id,
              "product_name",
              "P" + id,
              "aisle_id",
              1,
              "department_id",
              1 + id % 4,
              "unit_price",
              id % 5 == 0 ? null : BigDecimal.valueOf(50 + id * 7L, 2)));
    }
    List<Row> orders = new ArrayList<>();
    List<Row> lines = new ArrayList<>();
    long start = Instant.parse("2025-06-01T00:00:00Z").toEpochMilli();
    for (int order = 1; order <= 600; order++) {
      // 9 days, so that every day's departments hold orders of many buckets
      org.joda.time.Instant ts =
          new org.joda.time.Instant(start + random.nextInt(9 * 86_400) * 1000L);
      orders.add(
          row(
              Dataset.ORDERS,
              "order_id",
              order,
              "user_id",
              1 + order % 50,
              "eval_set",
              order % 7 == 0 ? "train" : "prior",
              "order_number",
              1,
              "order_dow",
              1,
              "order_hour_of_day",
              10,
              "order_ts",
              ts));
      TreeSet<Integer> bought = new TreeSet<>();
      int n = 1 + random.nextInt(8);
      while (bought.size() < n) {
        bought.add(1 + random.nextInt(40));
      }
      int cart = 0;
      for (int product : bought) {
        lines.add(
            row(
                Dataset.ORDER_LINES,
                "order_id",
                order,
                "product_id",
                product,
                "add_to_cart_order",
                ++cart,
                "reordered",
                random.nextInt(2),
                "quantity",
                1 + random.nextInt(4),
                "eval_set",
                "prior",
                "order_ts",
                ts));
      }
    }
    PCollection<Row> o = in("orders", Dataset.ORDERS, orders);
    PCollection<Row> pr = in("products", Dataset.PRODUCTS, products);
    PCollection<Row> a = in("aisles", Dataset.AISLES, aisles);
    PCollection<Row> d = in("departments", Dataset.DEPARTMENTS, departments);
    PCollection<Row> l = in("lines", Dataset.ORDER_LINES, lines);

    PCollection<Row> enriched = l.apply("Enrich", new EnrichOrderLines(o, pr, a, d).withBuckets(5));
    PCollection<KV<String, RowBlock>> blocks =
        l.apply(
            "Enrich with sums",
            new EnrichOrderLines(o, pr, a, d)
                .withBuckets(7)
                .inBlocks(WriteParquet.partitionFn(Dataset.ORDER_LINES_ENRICHED), true));
    PCollectionTuple tables = blocks.apply(new EnrichedTotals.Tables());

    assertSame(
        "daily",
        enriched.apply("Daily from lines", new DailyDepartmentSales(3)),
        tables.get(EnrichedTotals.Tables.DAILY_DEPARTMENT_SALES),
        36); // 9 days × 4 departments
    assertSame(
        "performance",
        enriched.apply("Performance from lines", new ProductPerformance()),
        tables.get(EnrichedTotals.Tables.PRODUCT_PERFORMANCE),
        40);
    p.run().waitUntilFinish();
  }

  /** Both collections hold the same rows, {@code count} of them. */
  private void assertSame(
      String name, PCollection<Row> fromLines, PCollection<Row> fromBuckets, int count) {
    PAssert.that(
            PCollectionList.of(listed(fromLines, name + " from lines"))
                .and(listed(fromBuckets, name + " from buckets"))
                .apply(name + " both", Flatten.pCollections()))
        .satisfies(
            both -> {
              List<String> two = new ArrayList<>();
              both.forEach(two::add);
              if (two.size() != 2 || !two.get(0).equals(two.get(1))) {
                throw new AssertionError(name + " differ:\n" + String.join("\n---\n", two));
              }
              if (!two.get(0).startsWith(count + " rows:")) {
                throw new AssertionError(name + ": not " + count + " rows: " + two.get(0));
              }
              return null;
            });
  }

  /** The rows as one sorted text. */
  private static PCollection<String> listed(PCollection<Row> rows, String name) {
    return rows.apply(
            name + " shown",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via((Row r) -> KV.of("all", r.toString())))
        .apply(name + " together", GroupByKey.create())
        .apply(
            name + " listed",
            MapElements.into(TypeDescriptors.strings())
                .via(
                    (KV<String, Iterable<String>> all) -> {
                      List<String> g = new ArrayList<>();
                      all.getValue().forEach(g::add);
                      g.sort(null);
                      return g.size() + " rows:\n" + String.join("\n", g);
                    }));
  }

  /** An enriched line of the given order, product, time, department, quantity and price. */
  private static Row enriched(
      int order, int product, String ts, int department, int quantity, String unitPrice) {
    BigDecimal price = unitPrice == null ? null : new BigDecimal(unitPrice);
    return Row.withSchema(Dataset.ORDER_LINES_ENRICHED.beamSchema())
        .withFieldValue("order_id", order)
        .withFieldValue("product_id", product)
        .withFieldValue("add_to_cart_order", 1)
        .withFieldValue("reordered", product % 2)
        .withFieldValue("quantity", quantity)
        .withFieldValue("user_id", 1)
        .withFieldValue("eval_set", "prior")
        .withFieldValue("order_number", 1)
        .withFieldValue("order_dow", 1)
        .withFieldValue("order_hour_of_day", 10)
        .withFieldValue("days_since_prior_order", null)
        .withFieldValue("order_ts", new org.joda.time.Instant(Instant.parse(ts).toEpochMilli()))
        .withFieldValue("product_name", "P" + product)
        .withFieldValue("aisle_id", 1)
        .withFieldValue("aisle", "a")
        .withFieldValue("department_id", department)
        .withFieldValue("department", "dept" + department)
        .withFieldValue("unit_price", price)
        .withFieldValue(
            "line_revenue", price == null ? null : price.multiply(BigDecimal.valueOf(quantity)))
        .build();
  }

  @Test
  public void partsHandedOnPastTheBoundAddUpToTheSameSums() {
    // Bound 1: every bucket's end hands its parts on. Orders 1 and 2 (two buckets) share
    // 1969-12-31 (day -1) and department -3; order 1 has two lines there.
    EnrichedTotals.Taker taker = new EnrichedTotals.Taker(1);
    List<RowBlock> out = new ArrayList<>();
    taker.add(enriched(1, 10, "1969-12-31T23:00:00Z", -3, 2, "0.50"));
    taker.add(enriched(1, 11, "1969-12-31T23:30:00Z", -3, 1, null));
    taker.endBucket((k, b) -> out.add(b));
    int afterFirst = out.size();
    taker.add(enriched(2, 10, "1969-12-31T00:00:00Z", -3, 3, "0.50"));
    // a product id beyond the array's bound is summed in the map
    taker.add(enriched(2, 5_000_000, "1969-12-31T00:00:00Z", 8, 1, "1.00"));
    taker.endBucket((k, b) -> out.add(b));
    taker.flush((k, b) -> out.add(b));
    assertTrue("the first bucket's parts went past the bound", afterFirst > 0);

    Map<String, Row> days = new TreeMap<>();
    Map<Integer, Row> products = new TreeMap<>();
    for (RowBlock b : out) {
      if (b.kind() == EnrichedTotals.DAYS) {
        for (Row r : b.rows(RowCoder.of(DailyDepartmentSales.DAY_TOTALS))) {
          days.merge(
              r.getInt64("day") + "/" + r.getInt32("department_id"),
              r,
              DailyDepartmentSales::addParts);
        }
      } else {
        for (Row r : b.rows(RowCoder.of(ProductPerformance.SUMS))) {
          products.merge(r.getInt32("product_id"), r, ProductPerformance::add);
        }
      }
    }
    assertEquals(
        "day -1, department -3: 2 orders, 6 items, $2.50, 1 unpriced item",
        List.of(-1L, -3, "dept-3", 2L, 6L, 250L, 1L),
        days.get("-1/-3").getValues());
    assertEquals(List.of(-1L, 8, "dept8", 1L, 1L, 100L, 0L), days.get("-1/8").getValues());
    assertEquals(
        "product 10: 2 lines, 5 units, $2.50",
        List.of(2L, 5L, 250L),
        List.of(
            products.get(10).getInt64("lines"),
            products.get(10).getInt64("units"),
            products.get(10).getInt64("revenue_cents")));
    assertNull("product 11 has no price", products.get(11).getInt64("revenue_cents"));
    assertEquals(100L, (long) products.get(5_000_000).getInt64("revenue_cents"));
  }

  @Test
  public void productSumsAreTheSameWhereverTheirIdsFallInTheArrayOrTheMap() {
    // ids small, past the first array, sparse, beyond the array's bound and negative, in random
    // order: the array grows under ids already in the map, which must move, not split
    Random random = new Random(7);
    int[] ids = {
      3,
      1023,
      1024,
      1500,
      5000,
      9_000,
      70_000,
      IntLookup.MAX_DENSE_KEY - 1,
      IntLookup.MAX_DENSE_KEY,
      5_000_000,
      -2
    };
    EnrichedTotals.Taker taker = new EnrichedTotals.Taker();
    Map<Integer, long[]> expected = new TreeMap<>();
    for (int i = 0; i < 3_000; i++) {
      int id = random.nextInt(4) == 0 ? ids[random.nextInt(ids.length)] : random.nextInt(6_000);
      int quantity = 1 + random.nextInt(3);
      taker.add(enriched(i, id, "2025-06-01T10:00:00Z", 1, quantity, "1.00"));
      long[] e = expected.computeIfAbsent(id, k -> new long[2]);
      e[0]++;
      e[1] += quantity;
      if (i % 100 == 99) {
        taker.endBucket((k, b) -> {});
      }
    }
    Map<Integer, long[]> got = new TreeMap<>();
    taker.flush(
        (k, b) -> {
          if (b.kind() == EnrichedTotals.PRODUCTS) {
            for (Row r : b.rows(RowCoder.of(ProductPerformance.SUMS))) {
              // one part per product and hand-over (parts would still add up, but twice the rows)
              long[] g = new long[] {r.getInt64("lines"), r.getInt64("units")};
              assertNull(
                  "product " + r.getInt32("product_id") + " handed on twice",
                  got.put(r.getInt32("product_id"), g));
            }
          }
        });
    assertEquals(expected.keySet(), got.keySet());
    expected.forEach((id, e) -> assertArrayEqualsOf(id, e, got.get(id)));
  }

  private static void assertArrayEqualsOf(int id, long[] expected, long[] got) {
    assertEquals(
        "lines and units of product " + id,
        List.of(expected[0], expected[1]),
        List.of(got[0], got[1]));
  }
}
