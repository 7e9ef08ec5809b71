package dev.lakebeam.transforms.records;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/** Counts rejects by dataset and reason code ({@link Accounting#REASON}) on their way out. */
public final class CountReasons extends PTransform<PCollection<Row>, PCollection<Row>> {
  @Override
  public PCollection<Row> expand(PCollection<Row> rejects) {
    return rejects
        .apply("Count reasons", ParDo.of(new CountFn()))
        .setCoder(RowBytesCoder.of(Rejects.SCHEMA));
  }

  static final class CountFn extends DoFn<Row, Row> {
    private transient Map<String, Progress> counters;

    @Setup
    public void setup() {
      counters = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element Row r, OutputReceiver<Row> out) {
      String name = Accounting.REASON + r.getString("dataset") + "." + r.getString("reason_code");
      counters.computeIfAbsent(name, Progress::counter).inc();
      out.output(r);
    }
  }
}
