package dev.lakebeam.transforms.clean;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.Pii;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Envelope;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;
import org.junit.Rule;
import org.junit.Test;

/** The shared clean stage on DirectRunner, with values worked out by hand. */
public class CleanRecordsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Tokenizer TOKENS =
      new Tokenizer("unit-test-key-0123456789".getBytes(StandardCharsets.UTF_8));
  private static final Instant RUN = new DateTime(2025, 7, 1, 0, 0, DateTimeZone.UTC).toInstant();

  private final Map<SourceDataset, List<Row>> input = new EnumMap<>(SourceDataset.class);
  private int line = 1;

  private void add(SourceDataset d, Object... kv) {
    Schema s = d.parseSchema();
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      values.put((String) kv[i], kv[i + 1]);
    }
    Row.Builder b = Row.withSchema(s);
    for (Schema.Field f : s.getFields()) {
      b.addValue(values.get(f.getName()));
    }
    input
        .computeIfAbsent(d, k -> new ArrayList<>())
        .add(
            Envelope.wrap(
                Envelope.schema(s),
                b.build(),
                d.sourceName(),
                "files",
                d.sourceName() + ":" + (++line),
                "payload-" + line));
  }

  private CleanRecords.Output run(LocalDate from) {
    Map<SourceDataset, PCollection<Row>> in = new EnumMap<>(SourceDataset.class);
    input.forEach(
        (d, rows) ->
            in.put(
                d,
                p.apply(
                    "In " + d.sourceName(),
                    Create.of(rows).withRowSchema(Envelope.schema(d.parseSchema())))));
    CleanConfig cfg =
        new CleanConfig(RUN, 3_600_000L, TOKENS, LocalDate.parse("2025-06-30"), from, null);
    return Pipeline.applyTransform("Clean", CleanRecords.Input.of(p, in), CleanRecords.with(cfg));
  }

  private static Instant ts(String iso) {
    return new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private void catalog() {
    add(SourceDataset.DEPARTMENTS, "department_id", 4, "department", "produce");
    add(SourceDataset.AISLES, "aisle_id", 24, "aisle", "fresh fruits");
    add(
        SourceDataset.PRODUCTS,
        "product_id",
        1,
        "product_name",
        "Bananas",
        "aisle_id",
        24,
        "department_id",
        4);
    add(
        SourceDataset.PRODUCTS,
        "product_id",
        2,
        "product_name",
        "Lost",
        "aisle_id",
        99,
        "department_id",
        4);
    add(SourceDataset.PRODUCT_PRICES, "product_id", 1, "unit_price", new BigDecimal("2.50"));
    add(SourceDataset.PRODUCT_PRICES, "product_id", 3, "unit_price", new BigDecimal("1.00"));
    add(
        SourceDataset.CUSTOMERS,
        "customer_id",
        7,
        "full_name",
        "Ana Lima",
        "email",
        "old@example.com",
        "country",
        "US",
        "tier",
        "plus",
        "updated_at",
        ts("2025-01-01T00:00:00Z"));
    add(
        SourceDataset.CUSTOMERS,
        "customer_id",
        7,
        "full_name",
        "Ana Lima",
        "email",
        "new@example.com",
        "country",
        "US",
        "tier",
        "gold",
        "updated_at",
        ts("2025-03-01T00:00:00Z"));
    // user 7: order 1 on a Monday, order 2 two days later on a Wednesday (the last one).
    add(
        SourceDataset.ORDERS,
        "order_id",
        101,
        "user_id",
        7,
        "eval_set",
        "prior",
        "order_number",
        1,
        "order_dow",
        1,
        "order_hour_of_day",
        10);
    add(
        SourceDataset.ORDERS,
        "order_id",
        102,
        "user_id",
        7,
        "eval_set",
        "train",
        "order_number",
        2,
        "order_dow",
        3,
        "order_hour_of_day",
        18,
        "days_since_prior_order",
        2);
    add(
        SourceDataset.ORDER_LINES,
        "order_id",
        102,
        "product_id",
        1,
        "add_to_cart_order",
        1,
        "reordered",
        0,
        "quantity",
        2);
    add(
        SourceDataset.ORDER_LINES,
        "order_id",
        102,
        "product_id",
        1,
        "add_to_cart_order",
        1,
        "reordered",
        0,
        "quantity",
        2);
    add(
        SourceDataset.ORDER_LINES,
        "order_id",
        999,
        "product_id",
        1,
        "add_to_cart_order",
        1,
        "reordered",
        0,
        "quantity",
        1);
    add(
        SourceDataset.ORDER_LINES,
        "order_id",
        101,
        "product_id",
        2,
        "add_to_cart_order",
        1,
        "reordered",
        0,
        "quantity",
        1);
    add(
        SourceDataset.CLICK_EVENTS,
        "event_id",
        "e1",
        "session_id",
        "s1",
        "customer_id",
        7,
        "type",
        "page_view",
        "ts",
        ts("2025-06-25T18:00:00Z"),
        "ip",
        "192.0.2.7");
    add(
        SourceDataset.FEEDBACK,
        "feedback_id",
        "f1",
        "store_id",
        3,
        "rating",
        9,
        "submitted_at",
        ts("2025-06-25T19:00:00Z"));
    add(
        SourceDataset.FEEDBACK,
        "feedback_id",
        "f2",
        "store_id",
        3,
        "rating",
        5,
        "submitted_at",
        ts("2099-01-01T00:00:00Z"));
  }

  @Test
  public void referencesDedupeOrderTimesPricesAndTokens() {
    catalog();
    CleanRecords.Output out = run(null);

    PAssert.that(ids(out.clean(Dataset.PRODUCTS), "product_id", "unit_price"))
        .containsInAnyOrder("1:2.50");
    PAssert.that(out.clean(Dataset.CUSTOMERS))
        .satisfies(
            rows -> {
              Row c = rows.iterator().next();
              assertEquals(7, (int) c.getInt32("user_id"));
              assertEquals("gold", c.getString("tier"));
              assertEquals(
                  TOKENS.token(Pii.Kind.EMAIL, "new@example.com"), c.getString("email_token"));
              assertEquals(TOKENS.token(Pii.Kind.NAME, "Ana Lima"), c.getString("name_token"));
              assertEquals("files", c.getString("_source"));
              assertEquals(RUN, c.getDateTime("_ingested_at").toInstant());
              return null;
            });
    PAssert.that(ids(out.clean(Dataset.ORDERS), "order_id", "order_ts"))
        .containsInAnyOrder("101:" + at("2025-06-23", 10, 101), "102:" + at("2025-06-25", 18, 102));
    PAssert.that(out.clean(Dataset.ORDER_LINES))
        .satisfies(
            rows -> {
              Row l = rows.iterator().next();
              assertEquals(102, (int) l.getInt32("order_id"));
              assertEquals("train", l.getString("eval_set"));
              assertEquals(
                  at("2025-06-25", 18, 102), l.getDateTime("order_ts").toInstant().toString());
              assertEquals(2, (int) l.getInt32("quantity"));
              return null;
            });
    PAssert.that(out.clean(Dataset.CLICK_EVENTS))
        .satisfies(
            rows -> {
              Row c = rows.iterator().next();
              assertEquals(TOKENS.token(Pii.Kind.IP, "192.0.2.7"), c.getString("ip_token"));
              assertEquals(7, (int) c.getInt32("user_id"));
              return null;
            });
    PAssert.that(out.clean(Dataset.FEEDBACK)).empty();
    PAssert.that(
            out.rejects()
                .apply(
                    "reasons",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("dataset")
                                    + " "
                                    + r.getString("reason_code")
                                    + " "
                                    + r.getString("payload"))))
        .containsInAnyOrder(
            "products UNKNOWN_REFERENCE payload-5",
            "products UNKNOWN_REFERENCE payload-7",
            "order_lines UNKNOWN_REFERENCE payload-14",
            "order_lines UNKNOWN_REFERENCE payload-15",
            "feedback OUT_OF_RANGE payload-17",
            "feedback FUTURE_TIMESTAMP payload-18");
    p.run();
  }

  @Test
  public void emailsAndPhonesInAFeedbackCommentBecomeTokensBeforeClean() {
    add(
        SourceDataset.FEEDBACK,
        "feedback_id",
        "f3",
        "store_id",
        3,
        "rating",
        4,
        "comment",
        "ring me on 0044 20 7946 0958 or leak.four@example.net",
        "submitted_at",
        ts("2025-06-25T19:00:00Z"));
    CleanRecords.Output out = run(null);
    PAssert.that(out.clean(Dataset.FEEDBACK))
        .satisfies(
            rows -> {
              Row f = rows.iterator().next();
              assertEquals(
                  "ring me on [phone:"
                      + TOKENS.token(Pii.Kind.PHONE, "0044 20 7946 0958")
                      + "] or [email:"
                      + TOKENS.token(Pii.Kind.EMAIL, "leak.four@example.net")
                      + "]",
                  f.getString("comment"));
              return null;
            });
    p.run();
  }

  @Test
  public void eventsOutsideTheRangeAreSkipped() {
    catalog();
    CleanRecords.Output out = run(LocalDate.parse("2025-06-24"));
    PAssert.that(ids(out.clean(Dataset.ORDERS), "order_id", "eval_set"))
        .containsInAnyOrder("102:train");
    PAssert.that(ids(out.clean(Dataset.ORDER_LINES), "order_id", "product_id"))
        .containsInAnyOrder("102:1");
    // Snapshot datasets ignore the range.
    PAssert.that(ids(out.clean(Dataset.PRODUCTS), "product_id", "unit_price"))
        .containsInAnyOrder("1:2.50");
    p.run();
  }

  private static String at(String date, int hour, int orderId) {
    long h = OrderTimestamps.mix(orderId);
    int minute = (int) Long.remainderUnsigned(h, 60);
    int second = (int) Long.remainderUnsigned(h >>> 16, 60);
    return new Instant(
            LocalDateTime.parse(date + "T00:00")
                .withHour(hour)
                .withMinute(minute)
                .withSecond(second)
                .toInstant(ZoneOffset.UTC)
                .toEpochMilli())
        .toString();
  }

  private static PCollection<String> ids(PCollection<Row> rows, String a, String b) {
    return rows.apply(
        "ids " + a + b + rows.getName(),
        MapElements.into(TypeDescriptors.strings())
            .via(
                (Row r) ->
                    r.getValue(a)
                        + ":"
                        + (r.getValue(b) instanceof ReadableInstant
                            ? ((ReadableInstant) r.getValue(b)).toInstant().toString()
                            : String.valueOf((Object) r.getValue(b)))));
  }
}
