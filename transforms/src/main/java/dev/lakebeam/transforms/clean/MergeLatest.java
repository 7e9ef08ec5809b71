package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.ReadableInstant;

/**
 * Merges clean rows already in the zone with this run's rows of the same dataset: one row per
 * business key, the one with the latest {@code updated_at}, then the latest {@code _ingested_at}
 * (this run's rows win ties). How an incremental run applies updates.
 */
public final class MergeLatest extends PTransform<PCollectionList<Row>, PCollection<Row>> {
  private final Dataset dataset;

  public MergeLatest(Dataset dataset) {
    this.dataset = dataset;
  }

  @Override
  public PCollection<Row> expand(PCollectionList<Row> parts) {
    Schema schema = dataset.beamSchema();
    List<String> keys = dataset.keyColumns();
    return parts
        .apply("Union " + dataset.datasetName(), Flatten.pCollections())
        .setCoder(RowBytesCoder.of(schema))
        .apply(
            "Key " + dataset.datasetName(),
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.rows()))
                .via(
                    (Row r) -> {
                      StringBuilder k = new StringBuilder();
                      for (String f : keys) {
                        k.append(String.valueOf((Object) r.getValue(f))).append('\u0001');
                      }
                      return KV.of(k.toString(), r);
                    }))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBytesCoder.of(schema)))
        .apply("Group " + dataset.datasetName(), GroupByKey.create())
        .apply("Latest " + dataset.datasetName(), ParDo.of(new LatestFn()))
        .setCoder(RowBytesCoder.of(schema));
  }

  static final class LatestFn extends DoFn<KV<String, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> g, OutputReceiver<Row> out) {
      Row best = null;
      for (Row r : g.getValue()) {
        if (best == null || newer(r, best)) {
          best = r;
        }
      }
      out.output(best);
    }

    static boolean newer(Row a, Row b) {
      int c = compare(a, b, "updated_at");
      return c != 0 ? c > 0 : compare(a, b, "_ingested_at") > 0;
    }

    private static int compare(Row a, Row b, String field) {
      if (!a.getSchema().hasField(field)) {
        return 0;
      }
      ReadableInstant x = a.getDateTime(field);
      ReadableInstant y = b.getDateTime(field);
      long xm = x == null ? Long.MIN_VALUE : x.getMillis();
      long ym = y == null ? Long.MIN_VALUE : y.getMillis();
      return Long.compare(xm, ym);
    }
  }
}
