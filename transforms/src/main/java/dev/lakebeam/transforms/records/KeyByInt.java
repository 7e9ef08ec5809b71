package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/** Keys Rows by one of their int fields (an id), for a join, a group or a map side input. */
public final class KeyByInt extends PTransform<PCollection<Row>, PCollection<KV<Integer, Row>>> {
  private final String field;

  private KeyByInt(String field) {
    this.field = field;
  }

  public static KeyByInt of(String field) {
    return new KeyByInt(field);
  }

  @Override
  public PCollection<KV<Integer, Row>> expand(PCollection<Row> rows) {
    String f = field;
    return rows.apply(
            "By " + f,
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.rows()))
                .via((Row r) -> KV.of(r.getInt32(f), r)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(rows.getSchema())));
  }
}
