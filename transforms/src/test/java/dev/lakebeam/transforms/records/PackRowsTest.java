package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.Select;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * A shared collection's readers get the rows as packed: whole, or projected as Beam's Select gives
 * them; keyed blocks hold each row under its own key; the block counter counts rows, not blocks.
 */
public class PackRowsTest {
  private static final Schema SCHEMA =
      Schema.builder()
          .addInt32Field("id")
          .addDateTimeField("ts")
          .addNullableField("name", Schema.FieldType.STRING)
          .addDoubleField("amount")
          .addBooleanField("flag")
          .build();

  private static final List<String> FIELDS = List.of("name", "id", "flag");

  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static List<Row> rows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Row.withSchema(SCHEMA)
              .addValues(
                  i,
                  new Instant(1_700_000_000_000L + i * 3_600_000L),
                  i % 7 == 0 ? null : "name " + i + " " + "x".repeat(i % 40),
                  i * 1.25,
                  i % 2 == 0)
              .build());
    }
    return rows;
  }

  /** Each row of a keyed block as "key/id". */
  static final class KeysFn extends DoFn<KV<String, RowBlock>, String> {
    @ProcessElement
    public void process(@Element KV<String, RowBlock> b, OutputReceiver<String> out) {
      for (Row r : b.getValue().rows(RowCoder.of(SCHEMA))) {
        out.output(b.getKey() + "/" + r.getInt32("id"));
      }
    }
  }

  @Test
  public void readersGetWholeOrProjectedRowsAndKeyedBlocksHoldEachRowUnderItsKey() {
    List<Row> in = rows(5000);
    PCollection<Row> rows = p.apply(Create.of(in).withRowSchema(SCHEMA));
    PackRows.Shared shared = PackRows.shared(rows, "Rows", r -> "day=" + (r.getInt32("id") / 24));

    PAssert.that(shared.apply("whole")).containsInAnyOrder(in);

    PCollection<Row> projected = shared.apply("projected", FIELDS);
    PCollection<Row> selected = rows.apply(Select.fieldNames(FIELDS.toArray(new String[0])));
    assertEquals(selected.getSchema(), projected.getSchema());
    List<Row> expected = new ArrayList<>();
    for (Row r : in) {
      expected.add(
          Row.withSchema(selected.getSchema())
              .addValues(r.getString("name"), r.getInt32("id"), r.getBoolean("flag"))
              .build());
    }
    PAssert.that(projected).containsInAnyOrder(expected);
    PAssert.that(selected).containsInAnyOrder(expected);
    assertSame(
        "rows that hold the fields already are not selected again",
        projected,
        PackRows.select(projected, "Select again", FIELDS));

    List<String> keys = new ArrayList<>();
    for (Row r : in) {
      keys.add("day=" + (r.getInt32("id") / 24) + "/" + r.getInt32("id"));
    }
    PCollection<KV<String, RowBlock>> counted =
        shared.blocks().apply("Count", CountRows.blocksAs("packed_rows_test"));
    PAssert.that(counted.apply("Keys", ParDo.of(new KeysFn()))).containsInAnyOrder(keys);

    PipelineResult result = p.run();
    result.waitUntilFinish();
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(CountRows.NAMESPACE, "packed_rows_test"))
                    .build());
    long total = 0;
    for (MetricResult<Long> c : metrics.getCounters()) {
      total += c.getAttempted();
    }
    assertEquals("rows counted, not blocks", in.size(), total);
  }

  @Test
  public void readersOfMixedBlocksTakeTheirKindOnly() {
    Schema other = Schema.builder().addStringField("word").build();
    List<Row> in = rows(300);
    List<KV<String, RowBlock>> blocks = new ArrayList<>();
    RowBlock.Builder mine = new RowBlock.Builder(3, RowCoder.of(SCHEMA));
    RowBlock.Builder theirs = new RowBlock.Builder(4, RowCoder.of(other));
    for (Row r : in) {
      mine.add(r);
      theirs.add(Row.withSchema(other).addValue("w" + r.getInt32("id")).build());
      if (mine.bytes() > 2_000) {
        blocks.add(KV.of("day=1", mine.take()));
        blocks.add(KV.of("", theirs.take()));
      }
    }
    blocks.add(KV.of("day=1", mine.take()));
    blocks.add(KV.of("", theirs.take()));
    PackRows.Shared shared =
        PackRows.Shared.of(
            p.apply(
                Create.of(blocks).withCoder(KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of()))),
            SCHEMA,
            "Mixed",
            true,
            3);

    PAssert.that(shared.apply("whole")).containsInAnyOrder(in);
    List<String> keys = new ArrayList<>();
    for (Row r : in) {
      keys.add("day=1/" + r.getInt32("id"));
    }
    PAssert.that(shared.blocks().apply("Keys", ParDo.of(new KeysFn()))).containsInAnyOrder(keys);
    assertSame("the blocks of the kind are filtered once", shared.blocks(), shared.blocks());
    p.run().waitUntilFinish();
  }
}
