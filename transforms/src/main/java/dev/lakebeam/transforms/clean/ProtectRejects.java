package dev.lakebeam.transforms.clean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Pii;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Keeps personal data out of the rejects, which live in the clean zone beside the tokenized rows. A
 * reject of a dataset that holds PII (one whose clean schema has a {@code *_token} field) keeps its
 * payload with every PII field ({@link Pii#FIELDS}, at any depth, whatever its JSON type) replaced
 * by the same HMAC token the clean rows carry, so a reject can still be matched to its customer,
 * and every email address in any other string (an email given as a customer_id) replaced by its
 * token. A payload that cannot be parsed (truncated, invalid encoding, not JSON) cannot be
 * tokenized field by field: it is withheld, and the message says where the record is as received
 * (the raw zone, at {@code source_ref}), which is the restricted zone. Rejects of other datasets
 * pass unchanged.
 */
public final class ProtectRejects extends PTransform<PCollection<Row>, PCollection<Row>> {
  /** Target datasets whose records carry PII. */
  public static final Set<String> PII_DATASETS = piiDatasets();

  private final Tokenizer tokenizer;

  private ProtectRejects(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static ProtectRejects with(Tokenizer tokenizer) {
    return new ProtectRejects(tokenizer);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> rejects) {
    return rejects
        .apply("Tokenize PII in rejects", ParDo.of(new ProtectFn(tokenizer)))
        .setCoder(RowBytesCoder.of(Rejects.SCHEMA));
  }

  private static Set<String> piiDatasets() {
    Set<String> out = new TreeSet<>();
    for (Dataset d : Dataset.values()) {
      if (d.beamSchema().getFields().stream()
          .anyMatch(f -> Pii.TOKEN_FIELDS.containsKey(f.getName()))) {
        out.add(d.datasetName());
      }
    }
    return out;
  }

  /** The reject with its payload's PII tokenized, or withheld when the payload cannot be parsed. */
  public static Row protect(Row reject, Tokenizer tokenizer, ObjectMapper json) {
    if (!PII_DATASETS.contains(
        reject.getString("dataset"))) { // an email where it does not belong is still personal
      String payload = reject.getString("payload");
      String redacted = tokenizer.redactEmails(payload);
      return redacted == null || redacted.equals(payload)
          ? reject
          : Row.fromRow(reject).withFieldValue("payload", redacted).build();
    }
    String payload = reject.getString("payload");
    JsonNode node = null;
    if (reject.getString("payload_base64") == null && payload != null && !payload.isEmpty()) {
      try {
        node = json.readTree(payload);
      } catch (Exception e) {
        node = null;
      }
    }
    if (node == null || !node.isObject()) {
      int bytes = payload == null ? 0 : payload.getBytes(StandardCharsets.UTF_8).length;
      return Row.fromRow(reject)
          .withFieldValue("payload", "")
          .withFieldValue("payload_base64", null)
          .withFieldValue(
              "message",
              reject.getString("message")
                  + " [payload of "
                  + bytes
                  + " bytes withheld: a record of "
                  + reject.getString("dataset")
                  + " (personal data) that does not parse cannot be tokenized; as received it is in the raw zone at source_ref]")
          .build();
    }
    tokenize(node, tokenizer);
    return Row.fromRow(reject).withFieldValue("payload", node.toString()).build();
  }

  private static void tokenize(JsonNode node, Tokenizer tokenizer) {
    if (node.isObject()) {
      ObjectNode obj = (ObjectNode) node;
      for (String key : iterable(obj.fieldNames())) {
        String redacted = tokenizer.redactEmails(key);
        if (!redacted.equals(key)) { // an email as a key: renamed to its token
          obj.set(redacted, obj.remove(key));
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Pii.Kind kind = Pii.FIELDS.get(e.getKey().toLowerCase(Locale.ROOT)); // EMAIL, Full_Name too
        if (kind != null && !e.getValue().isNull()) {
          String value = e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString();
          e.setValue(TextNode.valueOf(tokenizer.token(kind, value)));
        } else if (e.getValue().isTextual()
            && Pii.FREE_TEXT_FIELDS.contains(e.getKey().toLowerCase(Locale.ROOT))) {
          e.setValue(TextNode.valueOf(tokenizer.redactFreeText(e.getValue().asText())));
        } else if (e.getValue()
            .isTextual()) { // an email where it does not belong (a customer_id, say) is still
          // personal
          e.setValue(TextNode.valueOf(tokenizer.redactEmails(e.getValue().asText())));
        } else {
          tokenize(e.getValue(), tokenizer);
        }
      }
    } else if (node.isArray()) {
      ArrayNode array = (ArrayNode) node;
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual()) {
          array.set(i, TextNode.valueOf(tokenizer.redactEmails(array.get(i).asText())));
        } else {
          tokenize(array.get(i), tokenizer);
        }
      }
    }
  }

  private static <T> List<T> iterable(Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  static final class ProtectFn extends DoFn<Row, Row> {
    private final Tokenizer tokenizer;
    private transient ObjectMapper json;

    ProtectFn(Tokenizer tokenizer) {
      this.tokenizer = tokenizer;
    }

    @Setup
    public void setup() {
      json = new ObjectMapper();
    }

    @ProcessElement
    public void process(@Element Row reject, OutputReceiver<Row> out) {
      out.output(protect(reject, tokenizer, json));
    }
  }
}
