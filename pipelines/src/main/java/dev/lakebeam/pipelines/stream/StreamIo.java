package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.io.DeliverRaw;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.records.CountReasons;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * The stream's wiring: per stream, read and key its records; deliver them raw; run the shared
 * transforms ({@link StreamStages}); write the clean datasets, the rejects and the consumption
 * tables as Parquet.
 */
final class StreamIo {
  private StreamIo() {}

  static void build(Pipeline p, StreamPlan plan) {
    Map<SourceDataset, PCollection<KV<String, Row>>> keyed = new EnumMap<>(SourceDataset.class);
    for (SourceDataset s : plan.sources) {
      String name = plan.names.get(s);
      keyed.put(
          s,
          p.apply("Read " + name, plan.read(s))
              .apply(
                  "Records of " + name, ParDo.of(new ToRawFn(s, name, plan.failOnceAfterRecords)))
              .setCoder(ToRawFn.KEYED_CODER));
    }
    Map<Dataset, PCollection<Row>> dimensions = new EnumMap<>(Dataset.class);
    for (Dataset d : StreamPlan.DIMENSIONS) {
      dimensions.put(d, p.apply("Clean " + d.datasetName(), ReadZone.of(d, plan.clean)));
    }
    Streamed streamed = StreamStages.process(p, keyed, dimensions, plan.settings);
    streamed
        .rawLines()
        .apply("Deliver raw", DeliverRaw.to(plan.raw, plan.rawBuffer, plan.rawBufferBytes));
    streamed
        .clean()
        .forEach(
            (d, rows) ->
                rows.apply(
                    "Write " + d.datasetName(),
                    WriteParquet.of(d, plan.clean + "/" + d.datasetName(), "stream", 1)));
    streamed
        .rejects()
        .apply("Count rejects", new CountReasons())
        .apply(
            "Write rejects",
            WriteParquet.by(
                Dataset.REJECTS,
                plan.clean + "/" + Dataset.REJECTED_DIR,
                "stream",
                new RejectPartition(),
                1));
    if (streamed.departmentSales() != null) {
      streamed
          .departmentSales()
          .apply(
              "Write department_sales_1m",
              WriteParquet.of(
                  Dataset.DEPARTMENT_SALES_1M,
                  plan.consumption + "/" + Dataset.DEPARTMENT_SALES_1M.datasetName(),
                  "stream",
                  1));
    }
    if (streamed.clickSessions() != null) {
      streamed
          .clickSessions()
          .apply(
              "Write click_sessions",
              WriteParquet.of(
                  Dataset.CLICK_SESSIONS,
                  plan.consumption + "/" + Dataset.CLICK_SESSIONS.datasetName(),
                  "stream",
                  1));
    }
  }
}
