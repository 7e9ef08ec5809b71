package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.Tokenizer;
import dev.lakebeam.transforms.records.RawRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The stream's transforms after the Kinesis read, on a TestStream: a redelivery within the horizon
 * is dropped; a clean order comes out in its window's on-time pane, a late one within the allowed
 * lateness in a late pane with its lines, and one past the lateness not at all (its lines are
 * rejected as LATE_REFERENCE).
 */
public class StreamStagesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Instant BASE = Instant.parse("2025-01-01T00:00:00Z");

  private static TimestampedValue<KV<String, Row>> order(int id, int seconds, String ref) {
    Instant t = BASE.plus(Duration.standardSeconds(seconds));
    String json =
        "{\"order_id\":"
            + id
            + ",\"user_id\":"
            + id
            + ",\"eval_set\":\"prior\",\"order_number\":1,\"order_dow\":3,"
            + "\"order_hour_of_day\":0,\"days_since_prior_order\":null,\"order_ts\":\""
            + t
            + "\","
            + "\"lines\":[{\"product_id\":1,\"add_to_cart_order\":1,\"reordered\":0,\"quantity\":1}]}";
    Row raw =
        RawRecord.of(
            SourceDataset.ORDERS,
            "kinesis",
            "lakebeam-orders:shardId-000000000000:" + ref,
            null,
            json);
    return TimestampedValue.of(KV.of(String.valueOf(id), raw), t);
  }

  @Test
  public void redeliveriesAreDroppedAndLateOrdersLandInLatePanesUntilTheLatenessEnds() {
    TestStream<KV<String, Row>> records =
        TestStream.create(ToRawFn.KEYED_CODER)
            .addElements(order(1, 10, "1"))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .addElements(
                order(1, 10, "2")) // the same order put twice: dropped within the 10-minute horizon
            .advanceWatermarkTo(BASE.plus(Duration.standardSeconds(61)))
            .addElements(order(2, 30, "3")) // late, within the allowed 600 s
            .advanceWatermarkTo(BASE.plus(Duration.standardSeconds(60 + 600 + 10)))
            .addElements(order(3, 40, "4")) // later than the allowed lateness: dropped
            .addElements(order(4, 700, "5")) // on time in its own window
            .advanceWatermarkToInfinity();
    Map<SourceDataset, PCollection<KV<String, Row>>> keyed = new EnumMap<>(SourceDataset.class);
    keyed.put(SourceDataset.ORDERS, p.apply(records));
    Map<Dataset, PCollection<Row>> dimensions = new EnumMap<>(Dataset.class);
    Map<Dataset, List<Object>> oneEach =
        Map.of(
            Dataset.DEPARTMENTS,
            List.of(1, "produce"),
            Dataset.AISLES,
            List.of(1, "fresh fruits"),
            Dataset.PRODUCTS,
            List.of(1, "Banana", 1, 1, new BigDecimal("0.25")));
    for (Map.Entry<Dataset, List<Object>> e : oneEach.entrySet()) {
      Schema schema = e.getKey().beamSchema();
      Row row =
          Row.withSchema(schema)
              .addValues(e.getValue())
              .addValues("files", "test:1", BASE, 1)
              .build();
      dimensions.put(
          e.getKey(),
          p.apply("Dimension " + e.getKey().datasetName(), Create.of(row).withRowSchema(schema)));
    }
    CleanConfig cfg =
        new CleanConfig(
            Instant.now(),
            60 * 60_000L,
            new Tokenizer("stream-stages-test-key".getBytes(StandardCharsets.UTF_8)),
            OrderTimestamps.DEFAULT_AS_OF,
            null,
            null);
    Streamed out =
        StreamStages.process(
            p,
            keyed,
            dimensions,
            new StreamStages.Settings(
                Duration.standardMinutes(10),
                Duration.standardSeconds(60),
                Duration.standardSeconds(600),
                Duration.standardSeconds(5),
                cfg));

    PCollection<String> orders =
        out.clean()
            .get(Dataset.ORDERS)
            .apply(
                "Order ids",
                MapElements.into(TypeDescriptors.strings())
                    .via((Row r) -> "order " + r.getValue("order_id")));
    IntervalWindow first = new IntervalWindow(BASE, Duration.standardSeconds(60));
    IntervalWindow twelfth =
        new IntervalWindow(BASE.plus(Duration.standardSeconds(660)), Duration.standardSeconds(60));
    PAssert.that(orders).inOnTimePane(first).containsInAnyOrder("order 1");
    PAssert.that(orders).inLatePane(first).containsInAnyOrder("order 2");
    PAssert.that(orders).inOnTimePane(twelfth).containsInAnyOrder("order 4");
    PAssert.that(orders).containsInAnyOrder("order 1", "order 2", "order 4");
    PCollection<String> lines =
        out.clean()
            .get(Dataset.ORDER_LINES)
            .apply(
                "Line ids",
                MapElements.into(TypeDescriptors.strings())
                    .via((Row r) -> "line " + r.getValue("order_id")));
    PAssert.that(lines).inOnTimePane(first).containsInAnyOrder("line 1");
    // The late order's line is joined with its order in a late pane (the order reaches the join
    // after its line: it passes two more groupings), not rejected.
    PAssert.that(lines).inLatePane(first).containsInAnyOrder("line 2");
    PAssert.that(lines).inOnTimePane(twelfth).containsInAnyOrder("line 4");
    PAssert.that(lines).containsInAnyOrder("line 1", "line 2", "line 4");
    // Order 3 came later than the allowed lateness: the order is dropped by the windows (counted),
    // its line, which waited for it, is rejected with a reason of its own.
    PCollection<String> rejectedLines =
        out.rejects()
            .apply(
                "Rejected lines",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            r.getString("dataset")
                                + " "
                                + r.getString("reason_code")
                                + " "
                                + r.getString("message")));
    PAssert.that(rejectedLines)
        .containsInAnyOrder(
            "order_lines LATE_REFERENCE order_id 3 did not arrive within the allowed lateness (600 s)");
    // Raw delivery keeps every record read, the redelivery too (it is dropped after the landing).
    PAssert.that(
            out.rawLines()
                .apply(
                    "Raw streams",
                    MapElements.into(TypeDescriptors.strings())
                        .via((KV<String, String> kv) -> kv.getKey())))
        .containsInAnyOrder(
            "lakebeam-orders",
            "lakebeam-orders",
            "lakebeam-orders",
            "lakebeam-orders",
            "lakebeam-orders");
    p.run().waitUntilFinish();
  }
}
