package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/** The orders stream's events become the same order and line records as the Instacart files. */
public class SplitOrderEventsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private PCollection<Row> events(String name, List<String> payloads) {
    List<Row> raw = new ArrayList<>();
    for (int i = 0; i < payloads.size(); i++) {
      raw.add(
          RawRecord.of(
              SourceDataset.ORDERS,
              "kinesis",
              "lakebeam-orders:shardId-0:" + (i + 1),
              null,
              payloads.get(i)));
    }
    return p.apply(name, Create.of(raw).withRowSchema(RawRecord.SCHEMA));
  }

  @Test
  public void eventsSplitIntoOrderAndLineRecordsAndBrokenEventsAreRejected() {
    PCollectionTuple out =
        events(
                "events",
                List.of(
                    "{\"order_id\":9,\"user_id\":3,\"eval_set\":\"prior\",\"lines\":[{\"product_id\":5,\"quantity\":2},7]}",
                    "{not json",
                    "{\"order_id\":10,\"user_id\":3}"))
            .apply(new SplitOrderEvents());
    PAssert.that(
            out.get(SplitOrderEvents.ORDERS)
                .apply(
                    "o",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("dataset")
                                    + " "
                                    + r.getString("source_ref")
                                    + " "
                                    + r.getString("payload"))))
        .containsInAnyOrder(
            "orders lakebeam-orders:shardId-0:1 {\"order_id\":9,\"user_id\":3,\"eval_set\":\"prior\"}");
    PAssert.that(
            out.get(SplitOrderEvents.ORDER_LINES)
                .apply(
                    "l",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("dataset")
                                    + " "
                                    + r.getString("source_ref")
                                    + " "
                                    + r.getString("payload"))))
        .containsInAnyOrder(
            "order_products lakebeam-orders:shardId-0:1#line1 {\"product_id\":5,\"quantity\":2,\"order_id\":9}",
            "order_products lakebeam-orders:shardId-0:1#line2 7"); // not an object: the parser
    // rejects it
    PAssert.that(
            out.get(Rejects.TAG)
                .apply(
                    "r",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("dataset")
                                    + " "
                                    + r.getString("reason_code")
                                    + " "
                                    + r.getString("source_ref"))))
        .containsInAnyOrder(
            "orders MALFORMED_JSON lakebeam-orders:shardId-0:2",
            "orders MALFORMED_JSON lakebeam-orders:shardId-0:3");
    p.run();
  }

  private static PCollection<String> fields(
      PCollection<Row> parsed, String name, String... columns) {
    return parsed.apply(
        name,
        MapElements.into(TypeDescriptors.strings())
            .via(
                (Row e) -> {
                  Row r = Envelope.record(e);
                  StringBuilder sb = new StringBuilder();
                  for (String c : columns) {
                    sb.append(c).append('=').append((Object) r.getValue(c)).append(' ');
                  }
                  return sb.toString();
                }));
  }

  @Test
  public void theSamplesEventsParseIntoTheSameOrdersAndLinesAsItsFiles() throws Exception {
    List<String> payloads =
        Files.readAllLines(Path.of("..", "sample-data", "kinesis", "orders.jsonl"));
    PCollectionTuple split = events("sample events", payloads).apply(new SplitOrderEvents());
    PCollection<Row> streamOrders =
        split
            .get(SplitOrderEvents.ORDERS)
            .apply(
                "parse stream orders",
                ParseRecords.of(SourceDataset.ORDERS, SourceDataset.Format.JSON))
            .get(ParseRecords.PARSED);
    PCollection<Row> streamLines =
        split
            .get(SplitOrderEvents.ORDER_LINES)
            .apply(
                "parse stream lines",
                ParseRecords.of(SourceDataset.ORDER_LINES, SourceDataset.Format.JSON))
            .get(ParseRecords.PARSED);
    String files = Path.of("..", "sample-data", "files").toAbsolutePath().normalize() + "/";
    PCollection<Row> fileOrders =
        p.apply("read orders", ReadSourceFiles.of(SourceDataset.ORDERS, files, 1 << 20))
            .get(ReadSourceFiles.RAW)
            .apply("parse file orders", ParseRecords.of(SourceDataset.ORDERS))
            .get(ParseRecords.PARSED);
    PCollection<Row> fileLines =
        p.apply("read lines", ReadSourceFiles.of(SourceDataset.ORDER_LINES, files, 1 << 20))
            .get(ReadSourceFiles.RAW)
            .apply("parse file lines", ParseRecords.of(SourceDataset.ORDER_LINES))
            .get(ParseRecords.PARSED);
    String[] orderColumns = {
      "order_id",
      "user_id",
      "eval_set",
      "order_number",
      "order_dow",
      "order_hour_of_day",
      "days_since_prior_order"
    };
    String[] lineColumns = {"order_id", "product_id", "add_to_cart_order", "reordered", "quantity"};
    // Same multiset of records: the files' minus the stream's is empty and vice versa (3,000
    // orders, 26,241 lines).
    PAssert.that(
            difference(
                fields(fileOrders, "fo", orderColumns),
                fields(streamOrders, "so", orderColumns),
                "orders"))
        .empty();
    PAssert.that(
            difference(
                fields(fileLines, "fl", lineColumns),
                fields(streamLines, "sl", lineColumns),
                "lines"))
        .empty();
    PAssert.thatSingleton(
            fields(streamLines, "count lines", lineColumns).apply("n", Count.globally()))
        .isEqualTo(26_241L);
    PAssert.that(split.get(Rejects.TAG)).empty();
    p.run();
  }

  /** Records that occur a different number of times on the two sides. */
  private static PCollection<String> difference(
      PCollection<String> a, PCollection<String> b, String name) {
    PCollection<String> tagged =
        PCollectionList.of(
                a.apply(
                    name + " a",
                    MapElements.into(TypeDescriptors.strings()).via((String s) -> "+" + s)))
            .and(
                b.apply(
                    name + " b",
                    MapElements.into(TypeDescriptors.strings()).via((String s) -> "-" + s)))
            .apply(name + " both", Flatten.pCollections());
    return tagged
        .apply(
            name + " key",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.integers()))
                .via((String s) -> KV.of(s.substring(1), s.charAt(0) == '+' ? 1 : -1)))
        .apply(name + " sum", Sum.integersPerKey())
        .apply(name + " unequal", Filter.by((KV<String, Integer> kv) -> kv.getValue() != 0))
        .apply(
            name + " show",
            MapElements.into(TypeDescriptors.strings())
                .via((KV<String, Integer> kv) -> kv.getValue() + " " + kv.getKey()));
  }
}
