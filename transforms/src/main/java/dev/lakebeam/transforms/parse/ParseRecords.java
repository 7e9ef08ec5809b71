package dev.lakebeam.transforms.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.schemas.LakeSchemas;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
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
 * Parses raw records of one source dataset (CSV by the file's header, or JSON lines) into Rows of
 * its parse schema. Never throws on bad input: a record that does not parse becomes a reject under
 * {@link Rejects#TAG} with its reason code and payload. Parsed rows come out in an {@link Envelope}
 * that keeps the payload, for a reject at a later stage.
 */
public final class ParseRecords extends PTransform<PCollection<Row>, PCollectionTuple> {
  public static final TupleTag<Row> PARSED = new TupleTag<Row>("parsed") {};

  private final SourceDataset dataset;
  private final SourceDataset.Format format;

  private ParseRecords(SourceDataset dataset, SourceDataset.Format format) {
    this.dataset = dataset;
    this.format = format;
  }

  /** Records in the dataset's file format. */
  public static ParseRecords of(SourceDataset dataset) {
    return new ParseRecords(dataset, dataset.format());
  }

  /** Records in another format, e.g. JSON extracts of a database table. */
  public static ParseRecords of(SourceDataset dataset, SourceDataset.Format format) {
    return new ParseRecords(dataset, format);
  }

  @Override
  public PCollectionTuple expand(PCollection<Row> raw) {
    PCollectionTuple out =
        raw.apply(
            "Parse " + dataset.sourceName(),
            ParDo.of(new ParseFn(dataset, format))
                .withOutputTags(PARSED, TupleTagList.of(Rejects.TAG)));
    out.get(PARSED).setCoder(RowBytesCoder.of(Envelope.schema(dataset.parseSchema())));
    out.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA));
    return out;
  }

  /** Defaults of the parse schema's fields, from the Avro schema (e.g. quantity = 1). */
  static Map<String, Object> defaults(SourceDataset dataset) {
    Map<String, Object> out = new HashMap<>();
    if (dataset == SourceDataset.ORDER_LINES) {
      Schema avro = LakeSchemas.latest("source/order_line");
      out.put("quantity", ((Number) avro.getField("quantity").defaultVal()).intValue());
    }
    return out;
  }

  /** Where a parse sends its results. */
  public interface Results {
    void parsed(Row envelope);

    void rejected(Row reject);
  }

  /**
   * The parse of one record, usable inside another step (the file reader parses as it splits, so
   * that its records are not handed from one Flink task to the next in between). Counts parsed and
   * rejected records like {@link ParseRecords}.
   */
  public static final class Parser implements Serializable {
    private final SourceDataset dataset;
    private final SourceDataset.Format format;
    private final Progress parsed;
    private final Progress rejected;
    private transient FieldParser parser;
    private transient ObjectMapper json;
    private transient Map<String, Map<String, Integer>> headers;
    private transient org.apache.beam.sdk.schemas.Schema envelope;

    public Parser(SourceDataset dataset, SourceDataset.Format format) {
      this.dataset = dataset;
      this.format = format;
      this.parsed = Progress.counter(Accounting.PARSED + dataset.sourceName());
      this.rejected = Progress.counter(Accounting.REJECTED + dataset.sourceName());
    }

    /** The envelope schema of the parsed records. */
    public org.apache.beam.sdk.schemas.Schema envelopeSchema() {
      return Envelope.schema(dataset.parseSchema());
    }

    public void parse(String source, String ref, String header, String payload, Results out) {
      if (parser == null) {
        parser = new FieldParser(dataset.parseSchema(), defaults(dataset));
        json = StrictJson.mapper();
        headers = new HashMap<>();
        envelope = envelopeSchema();
      }
      try {
        Row row;
        if (format == SourceDataset.Format.CSV) {
          Map<String, Integer> index = headers.computeIfAbsent(header, ParseFn::index);
          List<String> fields;
          try {
            fields = CsvFields.split(payload);
          } catch (CsvFields.MalformedCsv e) {
            throw new FieldParser.ParseError(RejectReason.UNTERMINATED_QUOTE, e.getMessage());
          }
          int expected = index.get("\u0000columns");
          if (fields.size() != expected) {
            throw new FieldParser.ParseError(
                RejectReason.WRONG_COLUMN_COUNT,
                fields.size() + " fields where the header has " + expected);
          }
          row = parser.fromCsv(index, fields);
        } else {
          JsonNode node;
          try {
            node = json.readTree(payload);
          } catch (JsonProcessingException e) {
            throw new FieldParser.ParseError(
                RejectReason.MALFORMED_JSON,
                "not JSON (at character " + e.getLocation().getColumnNr() + ")");
          }
          if (node == null || !node.isObject()) {
            throw new FieldParser.ParseError(
                RejectReason.MALFORMED_JSON,
                "a JSON line must be an object, was "
                    + (node == null ? "empty" : node.getNodeType().name().toLowerCase()));
          }
          row = parser.fromJson(node);
        }
        parsed.inc();
        out.parsed(Envelope.wrap(envelope, row, dataset.sourceName(), source, ref, payload));
      } catch (FieldParser.ParseError e) {
        rejected.inc();
        out.rejected(
            Rejects.of(
                dataset.target().datasetName(),
                e.reason(),
                e.getMessage(),
                ref,
                payload,
                Instant.now()));
      }
    }
  }

  static final class ParseFn extends DoFn<Row, Row> {
    private final Parser parser;

    ParseFn(SourceDataset dataset, SourceDataset.Format format) {
      this.parser = new Parser(dataset, format);
    }

    @ProcessElement
    public void process(@Element Row raw, MultiOutputReceiver out) {
      parser.parse(
          raw.getString("source"),
          raw.getString("source_ref"),
          raw.getString("header"),
          raw.getString("payload"),
          new Results() {
            @Override
            public void parsed(Row envelope) {
              out.get(PARSED).output(envelope);
            }

            @Override
            public void rejected(Row reject) {
              out.get(Rejects.TAG).output(reject);
            }
          });
    }

    /** Column index by name; the key "\0columns" holds the number of columns. */
    static Map<String, Integer> index(String header) {
      Map<String, Integer> idx = new HashMap<>();
      try {
        List<String> names = CsvFields.split(header);
        for (int i = 0; i < names.size(); i++) {
          idx.putIfAbsent(names.get(i).trim().toLowerCase(Locale.ROOT), i);
        }
        idx.put("\u0000columns", names.size());
      } catch (CsvFields.MalformedCsv e) {
        idx.put("\u0000columns", -1);
      }
      return idx;
    }
  }
}
