package dev.lakebeam.transforms.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBytesCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Splits the orders stream's events (one JSON object per order with its {@code lines} array, as the
 * shop publishes them and {@code generate} writes {@code kinesis/orders.jsonl}) into the raw
 * records the shared parser and cleaner already know: one {@code orders} record (the event without
 * {@code lines}) and one {@code order_products} record per line (the line plus the order's {@code
 * order_id}). From here the stream takes the same path as the files and the database.
 *
 * <p>Accounting: each event counts as one {@code orders} record in, each line as one {@code
 * order_products} record in. An event that is not a JSON object with a {@code lines} array is
 * rejected whole as {@code MALFORMED_JSON} (its lines cannot be counted); a line that is not an
 * object goes on as a record and the parser rejects it.
 */
public final class SplitOrderEvents extends PTransform<PCollection<Row>, PCollectionTuple> {
  public static final TupleTag<Row> ORDERS = new TupleTag<Row>("orders") {};
  public static final TupleTag<Row> ORDER_LINES = new TupleTag<Row>("order_lines") {};

  @Override
  public PCollectionTuple expand(PCollection<Row> events) {
    PCollectionTuple out =
        events.apply(
            "Split order events",
            ParDo.of(new SplitFn())
                .withOutputTags(ORDERS, TupleTagList.of(ORDER_LINES).and(Rejects.TAG)));
    out.get(ORDERS).setCoder(RowBytesCoder.of(RawRecord.SCHEMA));
    out.get(ORDER_LINES).setCoder(RowBytesCoder.of(RawRecord.SCHEMA));
    out.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA));
    return out;
  }

  static final class SplitFn extends DoFn<Row, Row> {
    private final Progress ordersIn =
        Progress.counter(Accounting.IN + SourceDataset.ORDERS.sourceName());
    private final Progress linesIn =
        Progress.counter(Accounting.IN + SourceDataset.ORDER_LINES.sourceName());
    private final Progress ordersRejected =
        Progress.counter(Accounting.REJECTED + SourceDataset.ORDERS.sourceName());
    private transient ObjectMapper json;

    @Setup
    public void setup() {
      json = StrictJson.mapper();
    }

    @ProcessElement
    public void process(@Element Row event, MultiOutputReceiver out)
        throws JsonProcessingException {
      ordersIn.inc();
      String payload = event.getString("payload");
      String source = event.getString("source");
      String ref = event.getString("source_ref");
      JsonNode node;
      try {
        node = json.readTree(payload);
      } catch (JsonProcessingException e) {
        reject(out, ref, payload, "not JSON: " + e.getOriginalMessage());
        return;
      }
      if (node == null || !node.isObject() || !node.path("lines").isArray()) {
        reject(out, ref, payload, "an order event must be a JSON object with a lines array");
        return;
      }
      ObjectNode order = ((ObjectNode) node).deepCopy();
      JsonNode lines = order.remove("lines");
      out.get(ORDERS)
          .output(
              RawRecord.of(
                  SourceDataset.ORDERS, source, ref, null, json.writeValueAsString(order)));
      int i = 0;
      for (JsonNode line : lines) {
        i++;
        linesIn.inc();
        String linePayload;
        if (line.isObject()) {
          ObjectNode l = ((ObjectNode) line).deepCopy();
          l.set("order_id", node.get("order_id"));
          linePayload = json.writeValueAsString(l);
        } else {
          linePayload = json.writeValueAsString(line);
        }
        out.get(ORDER_LINES)
            .output(
                RawRecord.of(
                    SourceDataset.ORDER_LINES, source, ref + "#line" + i, null, linePayload));
      }
    }

    private void reject(MultiOutputReceiver out, String ref, String payload, String message) {
      ordersRejected.inc();
      out.get(Rejects.TAG)
          .output(
              Rejects.of(
                  SourceDataset.ORDERS.target().datasetName(),
                  RejectReason.MALFORMED_JSON,
                  message,
                  ref,
                  payload,
                  Instant.now()));
    }
  }
}
