package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.Envelope;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * Builds a clean row from a parsed record: same-named fields are copied, PII fields become
 * tokens ({@code full_name → name_token}, {@code email → email_token}, {@code phone →
 * phone_token}, {@code ip → ip_token}), {@code customer_id} becomes {@code user_id}, extras fill
 * fields the record does not have, and the metadata fields are set.
 */
public final class CleanRows {
  private CleanRows() {}

  public static Row build(Dataset target, Row envelope, Map<String, Object> extra, CleanConfig cfg) {
    Row rec = Envelope.record(envelope);
    Schema in = rec.getSchema();
    Schema out = target.beamSchema();
    java.util.List<Object> b = new java.util.ArrayList<>(out.getFieldCount());
    for (Schema.Field f : out.getFields()) {
      String name = f.getName();
      Object v;
      switch (name) {
        case "_source":
          v = envelope.getString("source");
          break;
        case "_source_ref":
          v = envelope.getString("source_ref");
          break;
        case "_ingested_at":
          v = cfg.ingestedAt();
          break;
        case "_schema_version":
          v = target.schemaVersion();
          break;
        case "name_token":
        case "email_token":
        case "phone_token":
        case "ip_token":
          String source = Tokenizer.TOKEN_FIELDS.get(name);
          v = cfg.tokenizer.token(Tokenizer.PII_FIELDS.get(source), rec.getString(source));
          break;
        case "user_id":
          v = in.hasField("user_id") ? rec.getValue("user_id") : rec.getValue("customer_id");
          break;
        default:
          if (extra.containsKey(name)) {
            v = extra.get(name);
          } else if (in.hasField(name)) {
            v = rec.getValue(name);
          } else {
            v = null;
          }
      }
      b.add(v);
    }
    return dev.lakebeam.transforms.records.Rows.attach(out, b);
  }
}
