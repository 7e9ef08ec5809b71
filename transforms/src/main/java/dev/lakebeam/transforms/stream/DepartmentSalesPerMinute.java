package dev.lakebeam.transforms.stream;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.curated.DepartmentSums;
import dev.lakebeam.transforms.records.RowBytesCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Consumption {@code department_sales_1m}, near real time: {@code order_lines_enriched} rows
 * (timestamped by {@code order_ts}) in 1-minute event-time windows per department, with the same
 * sums as {@code daily_department_sales} ({@link DepartmentSums}).
 *
 * <p>Firings: early every {@code earlyFiring} of processing time after the first element of a pane,
 * on time when the watermark passes the window's end, and once per late element up to {@code
 * allowedLateness}; later data is dropped. Panes accumulate, so every firing carries the window's
 * complete row so far and a later row for the same (window_start, department_id) overwrites the
 * earlier one. {@code updated_at} is the processing time of the firing.
 */
public final class DepartmentSalesPerMinute extends PTransform<PCollection<Row>, PCollection<Row>> {
  private final Duration earlyFiring;
  private final Duration allowedLateness;

  private DepartmentSalesPerMinute(Duration earlyFiring, Duration allowedLateness) {
    this.earlyFiring = earlyFiring;
    this.allowedLateness = allowedLateness;
  }

  public static DepartmentSalesPerMinute with(Duration earlyFiring, Duration allowedLateness) {
    return new DepartmentSalesPerMinute(earlyFiring, allowedLateness);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> enriched) {
    return enriched
        .apply(
            "Minute windows",
            Window.<Row>into(FixedWindows.of(Duration.standardMinutes(1)))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withEarlyFirings(
                            AfterProcessingTime.pastFirstElementInPane().plusDelayOf(earlyFiring))
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(allowedLateness)
                .accumulatingFiredPanes())
        .apply(
            "Key by department",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                .via((Row r) -> KV.of(r.getInt32("department_id"), r)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(enriched.getSchema())))
        .apply("Group by department", GroupByKey.create())
        .apply("Sum the minute", ParDo.of(new SumFn()))
        .setCoder(RowBytesCoder.of(Dataset.DEPARTMENT_SALES_1M.beamSchema()));
  }

  static final class SumFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Row>> g, IntervalWindow window, OutputReceiver<Row> out) {
      DepartmentSums sums = new DepartmentSums();
      for (Row r : g.getValue()) {
        sums.add(r);
      }
      out.output(
          sums.into(
                  Row.withSchema(Dataset.DEPARTMENT_SALES_1M.beamSchema())
                      .withFieldValue("window_start", window.start())
                      .withFieldValue("window_end", window.end())
                      .withFieldValue("department_id", g.getKey()))
              .withFieldValue("updated_at", Instant.now())
              .build());
    }
  }
}
