package dev.lakebeam.transforms.stream;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Consumption {@code click_sessions}: clean click events (timestamped by {@code ts}) per {@code
 * session_id} in event-time session windows with a gap of {@code gap} (30 minutes in the stream):
 * first and last event, duration, events, distinct products viewed, add-to-cart events, and whether
 * the session reached checkout. A session's row is emitted when the watermark passes its end; a
 * late event within {@code allowedLateness} fires the session again with the complete row (panes
 * accumulate, and a late event may merge two sessions into one). Later data is dropped.
 */
public final class ClickSessions extends PTransform<PCollection<Row>, PCollection<Row>> {
  public static final Duration GAP = Duration.standardMinutes(30);

  private final Duration gap;
  private final Duration allowedLateness;

  private ClickSessions(Duration gap, Duration allowedLateness) {
    this.gap = gap;
    this.allowedLateness = allowedLateness;
  }

  public static ClickSessions with(Duration gap, Duration allowedLateness) {
    return new ClickSessions(gap, allowedLateness);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> clicks) {
    return clicks
        .apply(
            "Session windows",
            Window.<Row>into(Sessions.withGapDuration(gap))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(allowedLateness)
                .accumulatingFiredPanes())
        .apply(
            "Key by session",
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.rows()))
                .via((Row r) -> KV.of(r.getString("session_id"), r)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBytesCoder.of(clicks.getSchema())))
        .apply("Group by session", GroupByKey.create())
        .apply("Summarize session", ParDo.of(new SessionFn()))
        .setCoder(RowBytesCoder.of(Dataset.CLICK_SESSIONS.beamSchema()));
  }

  static final class SessionFn extends DoFn<KV<String, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> g, OutputReceiver<Row> out) {
      long start = Long.MAX_VALUE;
      long end = Long.MIN_VALUE;
      int events = 0;
      int added = 0;
      boolean converted = false;
      Integer user = null;
      Set<Integer> viewed = new HashSet<>();
      for (Row r : g.getValue()) {
        long ts = r.getDateTime("ts").getMillis();
        start = Math.min(start, ts);
        end = Math.max(end, ts);
        events++;
        if (user == null) {
          user = r.getInt32("user_id");
        }
        String type = r.getString("type");
        if ("product_view".equals(type) && r.getInt32("product_id") != null) {
          viewed.add(r.getInt32("product_id"));
        } else if ("add_to_cart".equals(type)) {
          added++;
        } else if ("checkout".equals(type)) {
          converted = true;
        }
      }
      out.output(
          Row.withSchema(Dataset.CLICK_SESSIONS.beamSchema())
              .withFieldValue("session_id", g.getKey())
              .withFieldValue("user_id", user)
              .withFieldValue("session_start", new Instant(start))
              .withFieldValue("session_end", new Instant(end))
              .withFieldValue("duration_seconds", (end - start) / 1000)
              .withFieldValue("events", events)
              .withFieldValue("products_viewed", viewed.size())
              .withFieldValue("added_to_cart", added)
              .withFieldValue("converted", converted)
              .build());
    }
  }
}
