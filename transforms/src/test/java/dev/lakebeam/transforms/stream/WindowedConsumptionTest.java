package dev.lakebeam.transforms.stream;

import dev.lakebeam.schemas.Dataset;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * The stream's windowed consumption tables under TestStream: early, on-time, late-but-allowed and
 * droppably late data.
 */
public class WindowedConsumptionTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static Instant at(String hhmmss) {
    return new Instant(java.time.Instant.parse("2025-06-20T" + hhmmss + "Z").toEpochMilli());
  }

  private static TimestampedValue<Row> line(
      int order, int quantity, String revenue, String hhmmss) {
    Schema s = Dataset.ORDER_LINES_ENRICHED.beamSchema();
    Row r =
        Row.withSchema(s)
            .withFieldValue("order_id", order)
            .withFieldValue("product_id", 100)
            .withFieldValue("add_to_cart_order", 1)
            .withFieldValue("reordered", 0)
            .withFieldValue("quantity", quantity)
            .withFieldValue("user_id", 1)
            .withFieldValue("eval_set", "prior")
            .withFieldValue("order_number", 1)
            .withFieldValue("order_dow", 5)
            .withFieldValue("order_hour_of_day", 12)
            .withFieldValue("order_ts", at(hhmmss))
            .withFieldValue("product_name", "Banana")
            .withFieldValue("aisle_id", 24)
            .withFieldValue("aisle", "fresh fruits")
            .withFieldValue("department_id", 4)
            .withFieldValue("department", "produce")
            .withFieldValue(
                "unit_price",
                new BigDecimal(revenue)
                    .divide(BigDecimal.valueOf(quantity), 2, RoundingMode.HALF_UP))
            .withFieldValue("line_revenue", new BigDecimal(revenue))
            .build();
    return TimestampedValue.of(r, at(hhmmss));
  }

  @Test
  public void departmentSalesPerMinuteFireEarlyOnTimeAndLateAndDropTooLate() {
    TestStream<Row> events =
        TestStream.create(SchemaCoder.of(Dataset.ORDER_LINES_ENRICHED.beamSchema()))
            .advanceWatermarkTo(at("12:00:00"))
            .addElements(line(1, 2, "3.00", "12:00:10"))
            .advanceProcessingTime(Duration.standardSeconds(6)) // past the 5 s early firing delay
            .addElements(line(2, 1, "1.50", "12:00:40"))
            .advanceWatermarkTo(at("12:01:00")) // the window [12:00, 12:01) is complete: on time
            .addElements(line(3, 1, "0.50", "12:00:50")) // late, within the 2 minutes allowed
            .advanceWatermarkTo(at("12:03:30")) // past end + allowed lateness: the window is gone
            .addElements(line(4, 9, "9.99", "12:00:55")) // droppably late
            .advanceWatermarkToInfinity();
    PCollection<String> rows =
        p.apply(events)
            .apply(
                DepartmentSalesPerMinute.with(
                    Duration.standardSeconds(5), Duration.standardMinutes(2)))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            r.getDateTime("window_start").toString()
                                + " dept="
                                + r.getInt32("department_id")
                                + " orders="
                                + r.getInt64("orders")
                                + " items="
                                + r.getInt64("items")
                                + " revenue="
                                + r.getDecimal("revenue")
                                + (r.getDateTime("updated_at") == null ? " no updated_at" : "")));
    IntervalWindow minute = new IntervalWindow(at("12:00:00"), at("12:01:00"));
    String start = at("12:00:00").toString();
    PAssert.that(rows)
        .inEarlyPane(minute)
        .containsInAnyOrder(start + " dept=4 orders=1 items=2 revenue=3.00");
    PAssert.that(rows)
        .inOnTimePane(minute)
        .containsInAnyOrder(start + " dept=4 orders=2 items=3 revenue=4.50");
    PAssert.that(rows)
        .inLatePane(minute)
        .containsInAnyOrder(start + " dept=4 orders=3 items=4 revenue=5.00");
    // Accumulating panes: each firing carries the whole window; order 4 never shows.
    PAssert.that(rows)
        .inWindow(minute)
        .containsInAnyOrder(
            start + " dept=4 orders=1 items=2 revenue=3.00",
            start + " dept=4 orders=2 items=3 revenue=4.50",
            start + " dept=4 orders=3 items=4 revenue=5.00");
    p.run();
  }

  private static TimestampedValue<Row> click(
      String session, String type, Integer product, String hhmmss) {
    Row r =
        Row.withSchema(Dataset.CLICK_EVENTS.beamSchema())
            .withFieldValue("event_id", session + "-" + hhmmss)
            .withFieldValue("session_id", session)
            .withFieldValue("user_id", 7)
            .withFieldValue("type", type)
            .withFieldValue("product_id", product)
            .withFieldValue("ts", at(hhmmss))
            .withFieldValue("user_agent", "ua")
            .withFieldValue("ip_token", "t")
            .withFieldValue("_source", "kinesis")
            .withFieldValue("_source_ref", "shard:1")
            .withFieldValue("_ingested_at", at(hhmmss))
            .withFieldValue("_schema_version", 1)
            .build();
    return TimestampedValue.of(r, at(hhmmss));
  }

  @Test
  public void clickSessionsCloseAfterTheGapAndTakeLateEventsUntilTheLatenessEnds() {
    TestStream<Row> events =
        TestStream.create(SchemaCoder.of(Dataset.CLICK_EVENTS.beamSchema()))
            .advanceWatermarkTo(at("10:00:00"))
            .addElements(
                click("s1", "page_view", null, "10:00:00"),
                click("s1", "product_view", 5, "10:10:00"),
                click("s1", "product_view", 5, "10:12:00"),
                click("s1", "add_to_cart", 5, "10:20:00"),
                click("s2", "product_view", 8, "10:05:00"))
            .advanceWatermarkTo(
                at("10:51:00")) // s1 = [10:00, 10:50) and s2 = [10:05, 10:35) are complete
            .addElements(
                click("s1", "checkout", null, "10:15:00")) // late, within the 10 minutes allowed
            .advanceWatermarkTo(at("11:05:00")) // past 10:50 + 10 min: s1 is gone
            .addElements(click("s1", "checkout", null, "10:16:00")) // droppably late
            .advanceWatermarkToInfinity();
    PCollection<String> rows =
        p.apply(events)
            .apply(ClickSessions.with(ClickSessions.GAP, Duration.standardMinutes(10)))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            r.getString("session_id")
                                + " user="
                                + r.getInt32("user_id")
                                + " "
                                + r.getDateTime("session_start").toString().substring(11, 16)
                                + "-"
                                + r.getDateTime("session_end").toString().substring(11, 16)
                                + " "
                                + r.getInt64("duration_seconds")
                                + "s events="
                                + r.getInt32("events")
                                + " viewed="
                                + r.getInt32("products_viewed")
                                + " carted="
                                + r.getInt32("added_to_cart")
                                + " converted="
                                + r.getBoolean("converted")));
    IntervalWindow s1 = new IntervalWindow(at("10:00:00"), at("10:50:00"));
    PAssert.that(rows)
        .inOnTimePane(s1)
        .containsInAnyOrder(
            "s1 user=7 10:00-10:20 1200s events=4 viewed=1 carted=1 converted=false");
    PAssert.that(rows)
        .inLatePane(s1)
        .containsInAnyOrder(
            "s1 user=7 10:00-10:20 1200s events=5 viewed=1 carted=1 converted=true");
    PAssert.that(rows)
        .inWindow(s1)
        .containsInAnyOrder(
            "s1 user=7 10:00-10:20 1200s events=4 viewed=1 carted=1 converted=false",
            "s1 user=7 10:00-10:20 1200s events=5 viewed=1 carted=1 converted=true");
    PAssert.that(rows)
        .inWindow(new IntervalWindow(at("10:05:00"), at("10:35:00")))
        .containsInAnyOrder("s2 user=7 10:05-10:05 0s events=1 viewed=1 carted=0 converted=false");
    p.run();
  }
}
