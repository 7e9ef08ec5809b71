package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Cents;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** order_lines_enriched and daily_department_sales on a tiny lake, values worked out by hand. */
public class CuratedAndDailySalesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TestPipeline readBack = TestPipeline.create();
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** A clean row of {@code d}: the given fields, the lineage columns filled in. */
  static Row row(Dataset d, Object... kv) {
    Map<String, Object> v = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      v.put((String) kv[i], kv[i + 1]);
    }
    v.putIfAbsent("_source", "files");
    v.putIfAbsent("_source_ref", "x:1");
    v.putIfAbsent("_ingested_at", new Instant(0));
    v.putIfAbsent("_schema_version", 1);
    Row.Builder b = Row.withSchema(d.beamSchema());
    for (Schema.Field f : d.beamSchema().getFields()) {
      b.addValue(v.get(f.getName()));
    }
    return b.build();
  }

  private static Instant ts(String iso) {
    return new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private PCollection<Row> in(String name, Dataset d, List<Row> rows) {
    return p.apply(name, Create.of(rows).withRowSchema(d.beamSchema()));
  }

  private static Row order(int id, int user, String ts) {
    return row(
        Dataset.ORDERS,
        "order_id",
        id,
        "user_id",
        user,
        "eval_set",
        "prior",
        "order_number",
        1,
        "order_dow",
        1,
        "order_hour_of_day",
        10,
        "order_ts",
        ts(ts));
  }

  private static Row line(int order, int product, int quantity, String ts) {
    return row(
        Dataset.ORDER_LINES,
        "order_id",
        order,
        "product_id",
        product,
        "add_to_cart_order",
        1,
        "reordered",
        0,
        "quantity",
        quantity,
        "eval_set",
        "prior",
        "order_ts",
        ts(ts));
  }

  @Test
  public void enrichedLinesAndDailySalesPerDepartment() throws Exception {
    PCollection<Row> departments =
        in(
            "d",
            Dataset.DEPARTMENTS,
            List.of(
                row(Dataset.DEPARTMENTS, "department_id", 4, "department", "produce"),
                row(Dataset.DEPARTMENTS, "department_id", 16, "department", "dairy eggs")));
    PCollection<Row> aisles =
        in(
            "a",
            Dataset.AISLES,
            List.of(
                row(Dataset.AISLES, "aisle_id", 24, "aisle", "fresh fruits"),
                row(Dataset.AISLES, "aisle_id", 84, "aisle", "milk")));
    PCollection<Row> products =
        in(
            "p",
            Dataset.PRODUCTS,
            List.of(
                row(
                    Dataset.PRODUCTS,
                    "product_id",
                    1,
                    "product_name",
                    "Banana",
                    "aisle_id",
                    24,
                    "department_id",
                    4,
                    "unit_price",
                    new BigDecimal("0.50")),
                row(
                    Dataset.PRODUCTS,
                    "product_id",
                    2,
                    "product_name",
                    "Milk",
                    "aisle_id",
                    84,
                    "department_id",
                    16,
                    "unit_price",
                    new BigDecimal("3.99")),
                row(
                    Dataset.PRODUCTS,
                    "product_id",
                    3,
                    "product_name",
                    "Mango",
                    "aisle_id",
                    24,
                    "department_id",
                    4)));
    PCollection<Row> orders =
        in(
            "o",
            Dataset.ORDERS,
            List.of(
                order(1, 7, "2025-06-23T10:00:00Z"), order(2, 7, "2025-06-25T18:00:00Z"),
                order(3, 8, "2025-06-23T23:59:59Z"), order(4, 8, "2025-06-26T00:00:00Z")));
    List<Row> lines =
        new ArrayList<>(
            List.of(
                line(1, 1, 6, "2025-06-23T10:00:00Z"), line(1, 2, 1, "2025-06-23T10:00:00Z"),
                line(2, 1, 2, "2025-06-25T18:00:00Z"), line(2, 3, 1, "2025-06-25T18:00:00Z"),
                line(3, 1, 1, "2025-06-23T23:59:59Z"), line(4, 3, 2, "2025-06-26T00:00:00Z")));
    PCollection<Row> cleanLines = in("l", Dataset.ORDER_LINES, lines);
    PCollection<Row> enriched =
        cleanLines.apply(new EnrichOrderLines(orders, products, aisles, departments));

    PAssert.that(
            enriched.apply(
                "show",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            r.getInt32("order_id")
                                + "/"
                                + r.getInt32("product_id")
                                + " u"
                                + r.getInt32("user_id")
                                + " "
                                + r.getString("aisle")
                                + " "
                                + r.getString("department")
                                + " "
                                + r.getDecimal("line_revenue"))))
        .containsInAnyOrder(
            "1/1 u7 fresh fruits produce 3.00",
            "1/2 u7 milk dairy eggs 3.99",
            "2/1 u7 fresh fruits produce 1.00",
            "2/3 u7 fresh fruits produce null",
            "3/1 u8 fresh fruits produce 0.50",
            "4/3 u8 fresh fruits produce null");

    PCollection<Row> daily = enriched.apply(new DailyDepartmentSales());
    List<String> expected =
        List.of(
            "2025-06-23 4 produce orders=2 items=7 revenue=3.50 unpriced=0",
            "2025-06-23 16 dairy eggs orders=1 items=1 revenue=3.99 unpriced=0",
            "2025-06-25 4 produce orders=1 items=3 revenue=1.00 unpriced=1",
            "2025-06-26 4 produce orders=1 items=2 revenue=null unpriced=2");
    PAssert.that(show(daily, "daily")).containsInAnyOrder(expected);
    // The same sums taken in the enrichment's buckets, orders 1 and 3 (one day) in different ones.
    PAssert.that(
            show(
                cleanLines
                    .apply(
                        "Enrich with sums",
                        new EnrichOrderLines(orders, products, aisles, departments)
                            .withBuckets(3)
                            .inBlocks(null, true))
                    .apply(new EnrichedTotals.Tables())
                    .get(EnrichedTotals.Tables.DAILY_DEPARTMENT_SALES),
                "daily in buckets"))
        .containsInAnyOrder(expected);
    String zone = tmp.newFolder("consumption").toString();
    daily.apply(
        WriteParquet.of(
            Dataset.DAILY_DEPARTMENT_SALES, zone + "/daily_department_sales", "part", 1));
    p.run().waitUntilFinish();

    // The Avro date column survives Parquet: the same rows come back.
    PAssert.that(show(readBack.apply(ReadZone.of(Dataset.DAILY_DEPARTMENT_SALES, zone)), "back"))
        .containsInAnyOrder(expected);
    readBack.run();
  }

  private static PCollection<String> show(PCollection<Row> daily, String name) {
    return daily.apply(
        "show " + name,
        MapElements.into(TypeDescriptors.strings())
            .via(
                (Row r) ->
                    java.time.Instant.ofEpochMilli(r.getDateTime("date").getMillis())
                            .toString()
                            .substring(0, 10)
                        + " "
                        + r.getInt32("department_id")
                        + " "
                        + r.getString("department")
                        + " orders="
                        + r.getInt64("orders")
                        + " items="
                        + r.getInt64("items")
                        + " revenue="
                        + r.getDecimal("revenue")
                        + " unpriced="
                        + r.getInt64("unpriced_items")));
  }

  @Test
  public void daysAndDepartmentsThatShareAGroupAreStillSummedApart() {
    Schema sums =
        Schema.builder()
            .addDateTimeField("order_ts")
            .addInt32Field("order_id")
            .addInt32Field("department_id")
            .addStringField("department")
            .addInt32Field("quantity")
            .addNullableField("line_revenue", Cents.FIELD_TYPE)
            .build();
    List<Row> group =
        List.of(
            Row.withSchema(sums)
                .addValues(ts("2025-06-01T10:00:00Z"), 1, 4, "produce", 2, new BigDecimal("3.00"))
                .build(),
            Row.withSchema(sums)
                .addValues(ts("2025-06-01T11:00:00Z"), 2, 4, "produce", 1, null)
                .build(),
            Row.withSchema(sums)
                .addValues(
                    ts("2025-06-01T11:00:00Z"), 2, 7, "beverages", 5, new BigDecimal("10.50"))
                .build(),
            Row.withSchema(sums)
                .addValues(ts("2025-06-02T09:00:00Z"), 3, 4, "produce", 3, new BigDecimal("1.25"))
                .build());
    // One group holding two days and two departments, as a hash collision of the grouping key
    // would.
    PCollection<Row> out =
        p.apply(
                Create.of(KV.<Integer, Iterable<Row>>of(42, group))
                    .withCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(RowCoder.of(sums)))))
            .apply(ParDo.of(new DailyDepartmentSales.SumFn()))
            .setCoder(RowCoder.of(Dataset.DAILY_DEPARTMENT_SALES.beamSchema()));
    PAssert.that(
            out.apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            r.getDateTime("date").toString().substring(0, 10)
                                + " "
                                + r.getInt32("department_id")
                                + " orders="
                                + r.getInt64("orders")
                                + " items="
                                + r.getInt64("items")
                                + " revenue="
                                + r.getDecimal("revenue")
                                + " unpriced="
                                + r.getInt64("unpriced_items"))))
        .containsInAnyOrder(
            "2025-06-01 4 orders=2 items=3 revenue=3.00 unpriced=1",
            "2025-06-01 7 orders=1 items=5 revenue=10.50 unpriced=0",
            "2025-06-02 4 orders=1 items=3 revenue=1.25 unpriced=0");
    p.run().waitUntilFinish();
  }
}
