package dev.lakebeam.pipelines.stream;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;

/** A keyed raw record as raw delivery takes it: the stream it came from and its payload. */
final class RawLine extends SimpleFunction<KV<String, Row>, KV<String, String>> {
  static final KvCoder<String, String> CODER =
      KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());

  @Override
  public KV<String, String> apply(KV<String, Row> kv) {
    String ref = kv.getValue().getString("source_ref"); // stream:shard:sequence
    return KV.of(ref.substring(0, ref.indexOf(':')), kv.getValue().getString("payload"));
  }
}
