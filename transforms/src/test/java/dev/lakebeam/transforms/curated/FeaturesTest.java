package dev.lakebeam.transforms.curated;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBlock;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * Features, product performance, RFM segments and reorder predictions on a hand-made set of
 * enriched lines; every expected value is worked out by hand in the comments.
 *
 * <pre>
 * user 1: o11 prior #1 2025-06-01  p100 (cart 1, r0, qty 2, $1.50 produce)  p200 (cart 2, r0, qty 1, $2.00 dairy)
 *         o12 prior #2 +10 days 06-11  p100 (cart 1, r1, qty 1)  p300 (cart 2, r0, qty 1, no price, dairy)
 *         o13 prior #3 +4 days 06-15   p100 (cart 2, r1, qty 1)  p200 (cart 1, r1, qty 1)
 *         o14 train #4 +5 days 06-20   p200 (cart 1, r1, qty 3)
 * user 2: o21 prior #1 2025-06-28  p100 (cart 1, r0, qty 1)
 * as_of 2025-06-30
 * </pre>
 */
public class FeaturesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final LocalDate AS_OF = LocalDate.of(2025, 6, 30);

  private static Row line(
      int order,
      int user,
      String evalSet,
      int number,
      Integer gap,
      String day,
      int product,
      int cart,
      int reordered,
      int quantity) {
    BigDecimal price =
        product == 100 ? new BigDecimal("1.50") : product == 200 ? new BigDecimal("2.00") : null;
    int department = product == 100 ? 4 : 16;
    return Row.withSchema(Dataset.ORDER_LINES_ENRICHED.beamSchema())
        .withFieldValue("order_id", order)
        .withFieldValue("product_id", product)
        .withFieldValue("add_to_cart_order", cart)
        .withFieldValue("reordered", reordered)
        .withFieldValue("quantity", quantity)
        .withFieldValue("user_id", user)
        .withFieldValue("eval_set", evalSet)
        .withFieldValue("order_number", number)
        .withFieldValue("order_dow", 1)
        .withFieldValue("order_hour_of_day", 10)
        .withFieldValue("days_since_prior_order", gap)
        .withFieldValue(
            "order_ts", new Instant(java.time.Instant.parse(day + "T10:00:00Z").toEpochMilli()))
        .withFieldValue("product_name", "P" + product)
        .withFieldValue("aisle_id", 1)
        .withFieldValue("aisle", "a")
        .withFieldValue("department_id", department)
        .withFieldValue("department", department == 4 ? "produce" : "dairy")
        .withFieldValue("unit_price", price)
        .withFieldValue(
            "line_revenue", price == null ? null : price.multiply(BigDecimal.valueOf(quantity)))
        .build();
  }

  private PCollection<Row> enriched() {
    List<Row> lines =
        List.of(
            line(11, 1, "prior", 1, null, "2025-06-01", 100, 1, 0, 2),
            line(11, 1, "prior", 1, null, "2025-06-01", 200, 2, 0, 1),
            line(12, 1, "prior", 2, 10, "2025-06-11", 100, 1, 1, 1),
            line(12, 1, "prior", 2, 10, "2025-06-11", 300, 2, 0, 1),
            line(13, 1, "prior", 3, 4, "2025-06-15", 100, 2, 1, 1),
            line(13, 1, "prior", 3, 4, "2025-06-15", 200, 1, 1, 1),
            line(14, 1, "train", 4, 5, "2025-06-20", 200, 1, 1, 3),
            line(21, 2, "prior", 1, null, "2025-06-28", 100, 1, 0, 1));
    return p.apply(Create.of(lines).withRowSchema(Dataset.ORDER_LINES_ENRICHED.beamSchema()));
  }

  /** All fields of a row, in schema order, doubles to 4 places. */
  static String show(Row r) {
    List<String> parts = new ArrayList<>();
    for (Schema.Field f : r.getSchema().getFields()) {
      Object v = r.getValue(f.getName());
      parts.add(
          f.getName() + "=" + (v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v));
    }
    return String.join(" ", parts);
  }

  private static PCollection<String> shown(PCollection<Row> rows, String name) {
    return rows.apply(
        "show " + name, MapElements.into(TypeDescriptors.strings()).via(FeaturesTest::show));
  }

  @Test
  public void featuresFromPriorLinesOnly() {
    PCollectionTuple f = enriched().apply(Features.asOf(AS_OF));
    PAssert.that(shown(Features.rows(f, Features.USER_FEATURES), "users"))
        .containsInAnyOrder(
            // 3 prior orders, 6 lines, products 100/200/300, gaps 10 and 4 (mean 7, population std
            // 3),
            // lines after the first order 4 of which 3 reordered, departments 4 and 16 tie at 3
            // lines (lowest id wins),
            // last prior order 06-15 is 15 days before as_of; the train order is not a feature.
            "user_id=1 orders=3 total_items=6 distinct_products=3 mean_basket_size=2.0000 mean_days_between_orders=7.0000 "
                + "std_days_between_orders=3.0000 reorder_ratio=0.7500 favourite_department_id=4 favourite_department=produce "
                + "days_since_last_order=15",
            "user_id=2 orders=1 total_items=1 distinct_products=1 mean_basket_size=1.0000 mean_days_between_orders=null "
                + "std_days_between_orders=null reorder_ratio=null favourite_department_id=4 favourite_department=produce "
                + "days_since_last_order=2");
    PAssert.that(shown(Features.rows(f, Features.USER_PRODUCT_FEATURES), "pairs"))
        .containsInAnyOrder(
            "user_id=1 product_id=100 times_bought=3 order_share=1.0000 last_order_number=3 orders_since_last=0 "
                + "mean_add_to_cart_position=1.3333 in_last_order=true",
            "user_id=1 product_id=200 times_bought=2 order_share=0.6667 last_order_number=3 orders_since_last=0 "
                + "mean_add_to_cart_position=1.5000 in_last_order=true",
            "user_id=1 product_id=300 times_bought=1 order_share=0.3333 last_order_number=2 orders_since_last=1 "
                + "mean_add_to_cart_position=2.0000 in_last_order=false",
            "user_id=2 product_id=100 times_bought=1 order_share=1.0000 last_order_number=1 orders_since_last=0 "
                + "mean_add_to_cart_position=1.0000 in_last_order=true");
    PAssert.that(shown(Features.rows(f, Features.PRODUCT_FEATURES), "products"))
        .containsInAnyOrder(
            // p100: 4 prior lines by 2 users, 2 reordered, cart 1+1+2+1, user 1 bought it again (1
            // of 2 users)
            "product_id=100 orders=4 distinct_users=2 reorder_probability=0.5000 mean_add_to_cart_position=1.2500 "
                + "first_time_reorder_share=0.5000",
            "product_id=200 orders=2 distinct_users=1 reorder_probability=0.5000 mean_add_to_cart_position=1.5000 "
                + "first_time_reorder_share=1.0000",
            "product_id=300 orders=1 distinct_users=1 reorder_probability=0.0000 mean_add_to_cart_position=2.0000 "
                + "first_time_reorder_share=0.0000");
    PAssert.that(shown(Features.rows(f, Features.RFM), "rfm"))
        .containsInAnyOrder(
            // every order counts here: user 1's last order is the train order of 06-20;
            // $3+2+1.5+1.5+2+6 = $16
            "user_id=1 recency=10 frequency=4 monetary_cents=1600",
            "user_id=2 recency=2 frequency=1 monetary_cents=150");
    p.run();
  }

  @Test
  public void anOutputsBlocksHoldItsRowsUnderTheBlockKey() {
    Features rollUp = Features.asOf(AS_OF).withBlockKey("as_of=2025-06-30").withBuckets(3);
    PCollectionTuple f = enriched().apply(rollUp);
    Schema pairs = Dataset.USER_PRODUCT_FEATURES.beamSchema();
    PAssert.that(
            rollUp
                .shared(f, Features.USER_PRODUCT_FEATURES)
                .blocks()
                .apply(
                    "rows of the blocks",
                    FlatMapElements.into(TypeDescriptors.strings())
                        .via(
                            (KV<String, RowBlock> b) -> {
                              List<String> rows = new ArrayList<>();
                              for (Row r : b.getValue().rows(RowCoder.of(pairs))) {
                                rows.add(b.getKey() + " " + r.getInt32(0) + "/" + r.getInt32(1));
                              }
                              return rows;
                            })))
        .containsInAnyOrder(
            "as_of=2025-06-30 1/100",
            "as_of=2025-06-30 1/200",
            "as_of=2025-06-30 1/300",
            "as_of=2025-06-30 2/100");
    assertThrows(IllegalArgumentException.class, () -> rollUp.shared(f, Features.PRODUCT_FEATURES));
    // without a key the blocks would land outside the as_of partition
    assertThrows(
        IllegalStateException.class,
        () -> Features.asOf(AS_OF).shared(f, Features.USER_PRODUCT_FEATURES));
    p.run();
  }

  @Test
  public void productPerformanceCountsEveryLineAndRanksWithinDepartments() {
    PAssert.that(shown(enriched().apply(new ProductPerformance()), "perf"))
        .containsInAnyOrder(
            // p100: orders 11,12,13,21; units 2+1+1+1; $3.00+1.50+1.50+1.50; reordered 2 of 4
            "product_id=100 product_name=P100 department=produce orders=4 units=5 revenue=7.50 reorder_rate=0.5000 rank_in_department=1",
            // p200 (train line included): orders 11,13,14; units 1+1+3; $2+2+6; reordered 2 of 3
            "product_id=200 product_name=P200 department=dairy orders=3 units=5 revenue=10.00 reorder_rate=0.6667 rank_in_department=1",
            "product_id=300 product_name=P300 department=dairy orders=1 units=1 revenue=null reorder_rate=0.0000 rank_in_department=2");
    p.run();
  }

  @Test
  public void reorderPredictionsKeepTheTopNByProbability() {
    // p = σ(times_bought − 2): user 1: p100 σ(1), p200 σ(0), p300 σ(−1); top 2 keeps p100 and p200.
    double[] zero = new double[ReorderModel.FEATURES.size()];
    double[] one = new double[ReorderModel.FEATURES.size()];
    Arrays.fill(one, 1.0);
    double[] weights = zero.clone();
    weights[ReorderModel.FEATURES.indexOf("up_times_bought")] = 1.0;
    ReorderModel model = new ReorderModel("test-v9", -2.0, zero, one, weights, 0.5);
    PAssert.that(
            shown(
                enriched().apply(Features.asOf(AS_OF)).apply(PredictReorders.with(model, 2)),
                "pred"))
        .containsInAnyOrder(
            "user_id=1 product_id=100 probability=0.7311 rank=1 model_version=test-v9",
            "user_id=1 product_id=200 probability=0.5000 rank=2 model_version=test-v9",
            "user_id=2 product_id=100 probability=0.2689 rank=1 model_version=test-v9");
    p.run();
  }

  private static Row rfm(int user, int recency, int frequency, Long cents) {
    return Row.withSchema(Features.RFM_SCHEMA).addValues(user, recency, frequency, cents).build();
  }

  @Test
  public void rfmScoresArePercentRankQuintiles() {
    // 5 users. R: fewer days is better; F, M: more is better; M in whole dollars (99 cents and none
    // are both $0).
    PCollection<Row> in =
        p.apply(
            Create.of(
                    rfm(1, 1, 10, 100_000L),
                    rfm(2, 2, 1, null),
                    rfm(3, 3, 3, 250L),
                    rfm(4, 4, 2, 100L),
                    rfm(5, 5, 1, 99L))
                .withRowSchema(Features.RFM_SCHEMA));
    PAssert.that(shown(in.apply(new CustomerSegments()), "seg"))
        .containsInAnyOrder(
            "user_id=1 recency=1 frequency=10 monetary=1000.00 r_score=5 f_score=5 m_score=5 segment=champions",
            "user_id=2 recency=2 frequency=1 monetary=null r_score=4 f_score=1 m_score=1 segment=new",
            "user_id=3 recency=3 frequency=3 monetary=2.50 r_score=3 f_score=4 m_score=4 segment=loyal",
            "user_id=4 recency=4 frequency=2 monetary=1.00 r_score=2 f_score=3 m_score=3 segment=at_risk",
            "user_id=5 recency=5 frequency=1 monetary=0.99 r_score=1 f_score=1 m_score=1 segment=hibernating");
    p.run();
  }

  @Test
  public void segmentRules() {
    assertEquals("champions", CustomerSegments.segment(4, 4, 4));
    assertEquals("loyal", CustomerSegments.segment(3, 5, 1));
    assertEquals("new", CustomerSegments.segment(5, 2, 5));
    assertEquals("at_risk", CustomerSegments.segment(2, 3, 5));
    assertEquals("hibernating", CustomerSegments.segment(1, 2, 1));
    assertEquals("potential", CustomerSegments.segment(3, 3, 3));
  }

  @Test
  public void theShippedModelLoadsAndNamesItsVersion() {
    ReorderModel m = ReorderModel.shipped();
    assertEquals("reorder-lr-v1", m.version());
    assertEquals(ReorderModel.FEATURES.size(), m.weights().length);
  }
}
