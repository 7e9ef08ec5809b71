package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.Dataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.Select;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** Beam's row encoding, delivered as one block: every value back, and still a schema coder. */
public class RowBytesCoderTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema RECORD =
      Schema.builder()
          .addInt32Field("order_id")
          .addNullableField("quantity", Schema.FieldType.INT32)
          .addInt64Field("cents")
          .addDoubleField("price")
          .addBooleanField("fresh")
          .addNullableField("order_ts", Schema.FieldType.DATETIME)
          .addNullableField("name", Schema.FieldType.STRING)
          .build();
  private static final Schema ENVELOPE = Envelope.schema(RECORD);

  private static Row record(int id, Integer quantity, String name, Instant ts) {
    return Row.withSchema(RECORD)
        .addValues(id, quantity, 1_000_000_000_000L + id, id / 3.0, id % 2 == 0, ts, name)
        .build();
  }

  private static List<Row> envelopes() {
    List<Row> rows = new ArrayList<>();
    rows.add(
        Envelope.wrap(
            ENVELOPE,
            record(1, 3, "bananas", new Instant(1_750_000_000_000L)),
            "order_lines",
            "files",
            "a.csv:2",
            "1,2,3"));
    rows.add(Envelope.wrap(ENVELOPE, record(-7, null, null, null), "order_lines", "rds", "", ""));
    rows.add(
        Envelope.wrap(
            ENVELOPE,
            record(
                Integer.MAX_VALUE,
                Integer.MIN_VALUE,
                "Crème brûlée — 𝄞",
                new Instant(-86_400_000L)),
            "order_lines",
            "kinesis",
            "shard-1:49590338271490256608559692538361571095921575989136588898",
            "{\"x\":\"é\"}"));
    // Larger than the buffer a thread keeps (64 KiB), then a small one again on the same thread.
    rows.add(
        Envelope.wrap(
            ENVELOPE,
            record(4, 1, "x".repeat(200_000), null),
            "order_lines",
            "files",
            "b.csv:9",
            "y".repeat(70_000)));
    rows.add(
        Envelope.wrap(
            ENVELOPE,
            record(5, 2, "after the large one", null),
            "order_lines",
            "files",
            "b.csv:10",
            "5,2"));
    return rows;
  }

  @Test
  public void everyRowComesBackEqualAndTheRowItselfIsEncodedAsBeamsRowCoderDoes() throws Exception {
    RowBytesCoder coder = RowBytesCoder.of(ENVELOPE);
    for (Row r : envelopes()) {
      CoderProperties.coderDecodeEncodeEqual(coder, r);
      byte[] block = CoderUtils.encodeToByteArray(coder, r);
      byte[] beam = CoderUtils.encodeToByteArray(RowCoder.of(ENVELOPE), r);
      // A varint length, then exactly Beam's encoding of the row.
      ByteArrayOutputStream prefix = new ByteArrayOutputStream();
      VarInt.encode(beam.length, prefix);
      assertEquals(prefix.size() + beam.length, block.length);
      assertArrayEquals(beam, Arrays.copyOfRange(block, prefix.size(), block.length));
    }
  }

  @Test
  public void rowsFollowEachOtherInOneStreamAsInsideAnExchange() throws Exception {
    RowBytesCoder coder = RowBytesCoder.of(ENVELOPE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Row r : envelopes()) {
      coder.encode(r, out);
    }
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    for (Row r : envelopes()) {
      assertEquals(r, coder.decode(in));
    }
    assertEquals(-1, in.read());
  }

  @Test
  public void aLakeRowAndAKeyedRowRoundTrip() throws Exception {
    Schema lines = Dataset.ORDER_LINES.beamSchema();
    Row line =
        Row.withSchema(lines)
            .addValues(
                1,
                2,
                3,
                0,
                1,
                "prior",
                new Instant(1_750_000_000_000L),
                null,
                "files",
                "order_products__prior.csv:2",
                new Instant(1_760_000_000_000L),
                1)
            .build();
    CoderProperties.coderDecodeEncodeEqual(RowBytesCoder.of(lines), line);
    CoderProperties.coderDecodeEncodeEqual(
        KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(lines)), KV.of(1, line));
  }

  @Test
  public void aCutStreamIsAnErrorNotAShortRow() throws Exception {
    RowBytesCoder coder = RowBytesCoder.of(ENVELOPE);
    byte[] bytes = CoderUtils.encodeToByteArray(coder, envelopes().get(0));
    CoderException e =
        assertThrows(
            CoderException.class,
            () -> coder.decode(new ByteArrayInputStream(Arrays.copyOf(bytes, bytes.length - 3))));
    assertTrue(e.getMessage(), e.getMessage().contains("ended 3 bytes into a row"));
    assertThrows(CoderException.class, () -> coder.encode(null, new ByteArrayOutputStream()));
  }

  @Test
  public void itIsASerializableSchemaCoderEqualPerSchema() throws Exception {
    CoderProperties.coderSerializable(RowBytesCoder.of(ENVELOPE));
    assertEquals(RowBytesCoder.of(ENVELOPE), RowBytesCoder.of(Envelope.schema(RECORD)));
    assertEquals(
        RowBytesCoder.of(ENVELOPE).hashCode(),
        RowBytesCoder.of(Envelope.schema(RECORD)).hashCode());
    assertNotEquals(RowBytesCoder.of(ENVELOPE), RowBytesCoder.of(RECORD));
    assertNotEquals(RowBytesCoder.of(RECORD), RowCoder.of(RECORD));
    assertEquals(RECORD, RowBytesCoder.of(RECORD).getSchema());
  }

  @Test
  public void aCollectionWithItKeepsItsSchemaThroughAShuffleAndASelect() {
    List<Row> in = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      in.add(
          record(
              i,
              i % 4 == 0 ? null : i,
              "p" + i,
              i % 3 == 0 ? null : new Instant(1_750_000_000_000L + i)));
    }
    PCollection<Row> rows = p.apply(Create.of(in).withCoder(RowBytesCoder.of(RECORD)));
    PCollection<Row> shuffled =
        rows.apply(KeyByInt.of("order_id"))
            .apply(GroupByKey.create())
            .apply(Values.create())
            .apply(Flatten.iterables())
            .setCoder(RowBytesCoder.of(RECORD));
    PAssert.that(shuffled).containsInAnyOrder(in);
    PCollection<Row> names = shuffled.apply(Select.fieldNames("order_id", "name"));
    List<Row> expected = new ArrayList<>();
    Schema selected =
        Schema.builder()
            .addInt32Field("order_id")
            .addNullableField("name", Schema.FieldType.STRING)
            .build();
    for (int i = 0; i < 50; i++) {
      expected.add(Row.withSchema(selected).addValues(i, "p" + i).build());
    }
    PAssert.that(names).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }
}
