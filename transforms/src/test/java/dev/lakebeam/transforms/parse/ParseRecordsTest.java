package dev.lakebeam.transforms.parse;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Assert;
import org.junit.Rule;
import org.junit.Test;

public class ParseRecordsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private PCollectionTuple parse(SourceDataset d, String header, String... payloads) {
    List<Row> raw = new ArrayList<>();
    for (int i = 0; i < payloads.length; i++) {
      raw.add(RawRecord.of(d, "files", "f:" + (i + 2), header, payloads[i]));
    }
    return p.apply(Create.of(raw).withRowSchema(RawRecord.SCHEMA)).apply(ParseRecords.of(d));
  }

  private static PCollection<String> reasons(PCollectionTuple t) {
    return t.get(Rejects.TAG)
        .apply(
            "reasons",
            MapElements.into(TypeDescriptors.strings())
                .via((Row r) -> r.getString("source_ref") + " " + r.getString("reason_code")));
  }

  @Test
  public void csvIsReadByHeaderNameWithDefaultsAndReasons() {
    PCollectionTuple t =
        parse(
            SourceDataset.ORDER_LINES,
            "reordered,add_to_cart_order,product_id,order_id,quantity",
            "0,1,5,10,3",
            "1,2,6,10,",
            "1,2,6",
            "0,1,abc,10,1",
            "0,1,99999999999,10,1",
            "0,\"1,2");
    PAssert.that(
            t.get(ParseRecords.PARSED)
                .apply(
                    "lines",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row e) -> {
                              Row r = Envelope.record(e);
                              return r.getInt32("order_id")
                                  + "/"
                                  + r.getInt32("product_id")
                                  + "/"
                                  + r.getInt32("add_to_cart_order")
                                  + "/"
                                  + r.getInt32("reordered")
                                  + "/"
                                  + r.getInt32("quantity")
                                  + "@"
                                  + e.getString("source_ref");
                            })))
        .containsInAnyOrder("10/5/1/0/3@f:2", "10/6/2/1/1@f:3");
    PAssert.that(reasons(t))
        .containsInAnyOrder(
            "f:4 WRONG_COLUMN_COUNT",
            "f:5 WRONG_TYPE",
            "f:6 NUMBER_OVERFLOW",
            "f:7 UNTERMINATED_QUOTE");
    p.run();
  }

  @Test
  public void rejectMessagesNameTheFieldAndTheExpectedTypeButNeverQuoteTheValue() {
    PCollectionTuple t =
        parse(
            SourceDataset.CUSTOMERS,
            null,
            "{\"customer_id\":\"leak.one@example.net\",\"full_name\":\"A B\",\"email\":\"a@b.c\",\"country\":\"US\",\"tier\":\"basic\"}",
            "{\"customer_id\":1e999,\"full_name\":\"A B\",\"email\":\"a@b.c\",\"country\":\"US\",\"tier\":\"basic\"}",
            "{\"customer_id\":2,\"full_name\":\"A B\",\"email\":\"a@b.c\",\"updated_at\":\"leak.two@example.net\"}",
            "{\"customer_id\":3,\"email\":leak.three@example.net}");
    PAssert.that(
            t.get(Rejects.TAG)
                .apply(
                    "messages",
                    MapElements.into(TypeDescriptors.strings())
                        .via((Row r) -> r.getString("source_ref") + " " + r.getString("message"))))
        .satisfies(
            messages -> {
              List<String> all = new ArrayList<>();
              messages.forEach(all::add);
              assertEquals(all.toString(), 4, all.size());
              for (String m : all) {
                Assert.assertFalse(
                    m, m.contains("leak") || m.contains("1e999") || m.contains("example.net"));
              }
              Assert.assertTrue(
                  all.toString(),
                  all.contains("f:2 customer_id: not a whole number (expected a whole number)"));
              return null;
            });
    p.run();
  }

  @Test
  public void jsonLinesWithTheirReasonsAndThePayloadKept() {
    String ok =
        "{\"feedback_id\":\"f1\",\"store_id\":3,\"rating\":4,\"comment\":null,\"email\":\"a@b.c\",\"submitted_at\":\"2025-06-01T12:00:00Z\",\"extra\":{\"x\":1}}";
    PCollectionTuple t =
        parse(
            SourceDataset.FEEDBACK,
            null,
            ok,
            "{\"feedback_id\":\"f2\",\"store_id\":3,\"rating\":\"five\",\"submitted_at\":\"2025-06-01T12:00:00Z\"}",
            "[1]",
            "{\"store_id\":3,\"rating\":4,\"submitted_at\":\"2025-06-01T12:00:00Z\"}",
            "{\"feedback_id\":\"f5\",\"store_id\":3,\"rating\":4,\"submitted_at\":\"2023-02-30T10:00:00Z\"}",
            "{\"feedback_id\":\"f6\",\"store_id\"");
    PAssert.that(t.get(ParseRecords.PARSED))
        .satisfies(
            rows -> {
              Row e = rows.iterator().next();
              Row r = Envelope.record(e);
              assertEquals("f1", r.getString("feedback_id"));
              assertEquals(new Instant(1748779200000L), r.getDateTime("submitted_at").toInstant());
              assertEquals(ok, e.getString("payload"));
              return null;
            });
    PAssert.that(reasons(t))
        .containsInAnyOrder(
            "f:3 WRONG_TYPE",
            "f:4 MALFORMED_JSON",
            "f:5 MISSING_REQUIRED",
            "f:6 INVALID_TIMESTAMP",
            "f:7 MALFORMED_JSON");
    PAssert.that(t.get(Rejects.TAG))
        .satisfies(
            rows -> {
              TreeSet<String> payloads = new TreeSet<>();
              rows.forEach(r -> payloads.add(r.getString("payload")));
              assertEquals("every reject keeps its raw payload", true, payloads.contains("[1]"));
              rows.forEach(r -> assertEquals("feedback", r.getString("dataset")));
              return null;
            });
    p.run();
  }
}
