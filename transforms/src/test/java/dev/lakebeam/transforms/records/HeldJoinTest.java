package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
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
 * The held join on a TestStream: rows of the many side before or after their one, within the
 * allowed lateness, are paired once per key; rows whose one never comes, or comes back after the
 * key's state expired, come out unmatched when the lateness has passed.
 */
public class HeldJoinTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Instant BASE = Instant.parse("2025-01-01T00:00:00Z");
  private static final Schema SCHEMA =
      Schema.builder().addStringField("side").addInt32Field("id").addStringField("item").build();

  private static TimestampedValue<KV<Integer, Row>> at(
      int seconds, String side, int id, String item) {
    return TimestampedValue.of(
        KV.of(id, Row.withSchema(SCHEMA).addValues(side, id, item).build()),
        BASE.plus(Duration.standardSeconds(seconds)));
  }

  private static PCollection<KV<Integer, Row>> side(
      PCollection<KV<Integer, Row>> all, String side) {
    return all.apply(
            "Only " + side,
            Filter.by((KV<Integer, Row> kv) -> kv.getValue().getString("side").equals(side)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(SCHEMA)));
  }

  static final class ItemKey implements SerializableFunction<Row, String> {
    @Override
    public String apply(Row r) {
      return r.getString("item");
    }
  }

  static final class NoneBetter implements HeldJoin.SerializableComparator {
    @Override
    public int compare(Row a, Row b) {
      return 0;
    }
  }

  @Test
  public void rowsMeetTheirOneInEitherOrderWithinTheLatenessAndComeOutUnmatchedAfterIt() {
    TestStream<KV<Integer, Row>> events =
        TestStream.create(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(SCHEMA)))
            .addElements(
                at(10, "many", 1, "p1"),
                at(11, "many", 1, "p1"),
                at(12, "many", 2, "p2")) // before their one; p1 twice
            .advanceWatermarkTo(BASE.plus(Duration.standardSeconds(30)))
            .addElements(at(20, "one", 1, "order 1")) // the one comes after its rows
            .addElements(at(25, "many", 1, "p3")) // a row after its one: paired at once
            .advanceWatermarkTo(
                BASE.plus(
                    Duration.standardSeconds(
                        200))) // past 12 + 100 and 25 + 100: keys 1 and 2 expire
            .addElements(at(30, "many", 1, "p4")) // key 1's state is gone: it waits, then expires
            .addElements(at(190, "one", 3, "order 3"), at(195, "many", 3, "p5"))
            .advanceWatermarkToInfinity();
    PCollection<KV<Integer, Row>> all =
        p.apply(events)
            .apply(
                Window.<KV<Integer, Row>>into(FixedWindows.of(Duration.standardSeconds(60)))
                    .withAllowedLateness(Duration.standardSeconds(100))
                    .discardingFiredPanes());
    HeldJoin.Result r =
        HeldJoin.join(
            "Join", side(all, "many"), side(all, "one"), new ItemKey(), new NoneBetter(), null);
    PCollection<String> paired =
        r.paired()
            .apply(
                "Pairs",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (KV<Row, Row> kv) ->
                            kv.getKey().getString("item")
                                + ": "
                                + kv.getValue().getString("item")));
    PAssert.that(paired).containsInAnyOrder("order 1: p1", "order 1: p3", "order 3: p5");
    PCollection<String> unmatched =
        r.unmatched()
            .apply(
                "Unmatched",
                MapElements.into(TypeDescriptors.strings())
                    .via((Row row) -> row.getInt32("id") + ": " + row.getString("item")));
    PAssert.that(unmatched).containsInAnyOrder("2: p2", "1: p4");
    // Back in the input's windows, each pair in the window of its row of the many side.
    PCollection<String> windowed =
        HeldJoin.rewindow(paired, all.getWindowingStrategy(), "Into windows");
    PAssert.that(windowed)
        .inWindow(new IntervalWindow(BASE, Duration.standardSeconds(60)))
        .containsInAnyOrder("order 1: p1", "order 1: p3");
    PAssert.that(windowed)
        .inWindow(
            new IntervalWindow(
                BASE.plus(Duration.standardSeconds(180)), Duration.standardSeconds(60)))
        .containsInAnyOrder("order 3: p5");
    p.run().waitUntilFinish();
  }
}
