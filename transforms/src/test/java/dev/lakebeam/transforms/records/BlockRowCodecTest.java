package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.Cents;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceDataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * Rows through a block come back equal to what went in, and equal to what Beam's row coder gives
 * back, for every dataset of the lake and every source's parsed envelope: nulls, extremes of every
 * number, non-ASCII text and amounts to the cent.
 */
public class BlockRowCodecTest {
  private final Random random = new Random(5);

  private Object value(Schema.FieldType t) {
    if (t.getNullable() && random.nextInt(5) == 0) {
      return null;
    }
    if (Cents.is(t)) {
      return BigDecimal.valueOf(
          random.nextBoolean() ? random.nextLong() % 100_000_000_000L : -random.nextInt(1000), 2);
    }
    return switch (t.getTypeName()) {
      case INT32 ->
          switch (random.nextInt(4)) {
            case 0 -> Integer.MIN_VALUE;
            case 1 -> Integer.MAX_VALUE;
            default -> random.nextInt(2000) - 1000;
          };
      case INT64 -> random.nextBoolean() ? random.nextLong() : (long) random.nextInt(100);
      case DOUBLE ->
          switch (random.nextInt(5)) {
            case 0 -> Double.NaN;
            case 1 -> -0.0;
            case 2 -> Double.NEGATIVE_INFINITY;
            default -> random.nextGaussian() * 1e6;
          };
      case BOOLEAN -> random.nextBoolean();
      case STRING ->
          random.nextInt(4) == 0
              ? ""
              : "Cr\u00e8me br\u00fbl\u00e9e \ud83c\udf53 " + random.nextInt();
      case DATETIME -> new Instant(random.nextLong() >> 20);
      case ROW -> row(t.getRowSchema());
      default -> throw new AssertionError("a schema with " + t + ": extend this test");
    };
  }

  private Row row(Schema s) {
    List<Object> values = new ArrayList<>();
    for (Schema.Field f : s.getFields()) {
      values.add(value(f.getType()));
    }
    return Row.withSchema(s).attachValues(values);
  }

  private List<Schema> schemas() {
    List<Schema> all = new ArrayList<>();
    for (Dataset d : Dataset.values()) {
      all.add(d.beamSchema());
    }
    for (SourceDataset d : SourceDataset.values()) {
      all.add(Envelope.schema(d.parseSchema()));
    }
    return all;
  }

  @Test
  public void everyLakeSchemaRoundTripsAsTheRowCoderDoes() throws Exception {
    for (Schema s : schemas()) {
      assertTrue(s.toString(), BlockRowCodec.supports(s));
      RowCoder coder = RowCoder.of(s);
      RowBlock.Builder b = new RowBlock.Builder(3, coder);
      List<Row> in = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        Row r = row(s);
        in.add(r);
        b.add(r);
      }
      RowBlock block = b.take();
      List<Row> out = new ArrayList<>();
      block.rows(coder).forEach(out::add);
      assertEquals(in, out);
      for (int i = 0; i < in.size(); i++) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        coder.encode(in.get(i), bytes);
        assertEquals(coder.decode(new ByteArrayInputStream(bytes.toByteArray())), out.get(i));
      }
    }
  }

  /**
   * Strings from a small pool, so that fields repeat, swap, change length and share starts (one
   * value the start of another) between rows.
   */
  private Row rowOfRepeats(Schema s) {
    String[] pool = {
      "",
      "a",
      "b",
      "\u00e9t\u00e9",
      "order_products__prior.csv:12",
      "order_products__prior.csv:123",
      "order_products__prior.csv:1290",
      "\u00e9t\u00e9 \u00e0 Paris",
      "x".repeat(300)
    };
    List<Object> values = new ArrayList<>();
    for (Schema.Field f : s.getFields()) {
      Schema.FieldType t = f.getType();
      if (t.getTypeName() == Schema.TypeName.STRING) {
        values.add(
            t.getNullable() && random.nextInt(6) == 0 ? null : pool[random.nextInt(pool.length)]);
      } else if (t.getTypeName() == Schema.TypeName.ROW) {
        values.add(rowOfRepeats(t.getRowSchema()));
      } else {
        values.add(value(t));
      }
    }
    return Row.withSchema(s).attachValues(values);
  }

  @Test
  public void frontCodedStringsReadBackWholeAndARepeatAsOneInstance() throws Exception {
    for (Schema s : schemas()) {
      RowCoder coder = RowCoder.of(s);
      BlockRowCodec codec = BlockRowCodec.of(s);
      RowBlock.Builder b = new RowBlock.Builder(0, coder);
      // a first block: the builder's cache is kept into the next one, which must not refer to it
      for (int i = 0; i < 50; i++) {
        b.add(rowOfRepeats(s));
      }
      b.take();
      ByteArrayBuffer alone = new ByteArrayBuffer();
      List<Row> in = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        Row r = rowOfRepeats(s);
        in.add(r);
        b.add(r);
        codec.encode(r, alone); // a fresh cache per row: every string written whole
      }
      RowBlock block = b.take();
      boolean strings =
          s.getFields().stream()
              .anyMatch(
                  f ->
                      f.getType().getTypeName() == Schema.TypeName.STRING
                          || f.getType().getTypeName() == Schema.TypeName.ROW);
      int written = CoderUtils.encodeToByteArray(RowBlock.Coder.of(), block).length;
      int whole =
          CoderUtils.encodeToByteArray(
                  RowBlock.Coder.of(), new RowBlock(0, in.size(), alone.toByteArray()))
              .length;
      assertTrue(s + ": " + written + " against " + whole, strings ? written < whole : true);
      if (FlatRows.supports(s)) {
        FlatRows flat = block.flatRows(coder);
        for (Row r : in) {
          assertTrue(flat.next());
          for (int f = 0; f < s.getFieldCount(); f++) {
            if (s.getField(f).getType().getTypeName() == Schema.TypeName.STRING
                && r.getValue(f) != null) {
              assertEquals(
                  s + " flat " + f,
                  r.getString(f),
                  new String(
                      flat.bytes(f),
                      flat.offset(f),
                      flat.length(f),
                      java.nio.charset.StandardCharsets.UTF_8));
            }
          }
        }
        assertFalse(flat.next());
      }
      // every other field read, the rest skipped: the values read are still the rows'
      List<String> half = new ArrayList<>();
      for (int f = 1; f < s.getFieldCount(); f += 2) {
        half.add(s.getField(f).getName());
      }
      Schema projected = PackRows.selected(s, half);
      List<Row> read = new ArrayList<>();
      block.rows(coder, projected).forEach(read::add);
      for (int i = 0; i < in.size(); i++) {
        for (String f : half) {
          assertEquals(
              s + " " + f, (Object) in.get(i).getValue(f), (Object) read.get(i).getValue(f));
        }
      }
      List<Row> out = new ArrayList<>();
      block.rows(coder).forEach(out::add);
      assertEquals(in, out);
      int same = 0;
      for (int i = 1; i < out.size(); i++) {
        for (int f = 0; f < s.getFieldCount(); f++) {
          Object before = out.get(i - 1).getValue(f);
          Object now = out.get(i).getValue(f);
          if (now instanceof String && now.equals(before)) {
            assertTrue(s + " field " + f, now == before);
            same++;
          }
        }
      }
      if (s.getFields().stream()
          .anyMatch(f -> f.getType().getTypeName() == Schema.TypeName.STRING)) {
        assertTrue(s.toString(), same > 0);
      }
    }
  }

  @Test
  public void aProjectedBlockGivesWhatSelectGivesForEverySchema() throws Exception {
    for (Schema s : schemas()) {
      // every other field, from the first and from the second: each kind is skipped and kept
      for (int start = 0; start < 2; start++) {
        List<String> fields = new ArrayList<>();
        for (int i = start; i < s.getFieldCount(); i += 2) {
          fields.add(s.getField(i).getName());
        }
        Collections.reverse(fields);
        Schema projected = PackRows.selected(s, fields);
        RowCoder coder = RowCoder.of(s);
        RowBlock.Builder b = new RowBlock.Builder(0, coder);
        List<Row> expected = new ArrayList<>();
        for (Row r : fill(b, s, 300, 0)) {
          List<Object> values = new ArrayList<>();
          for (Schema.Field f : projected.getFields()) {
            values.add(r.getValue(f.getName()));
          }
          expected.add(Row.withSchema(projected).attachValues(values));
        }
        List<Row> out = new ArrayList<>();
        b.take().rows(coder, projected).forEach(out::add);
        assertEquals(s + " " + fields, expected, out);
      }
    }
  }

  @Test
  public void aProjectionOfAFieldTheBlockDoesNotHaveIsRefused() {
    Schema s = Dataset.ORDER_LINES_ENRICHED.beamSchema();
    Schema other = Schema.builder().addStringField("product_id").build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RowBlock.Builder(0, RowCoder.of(s)).take().rows(RowCoder.of(s), other));
    assertTrue(e.getMessage(), e.getMessage().contains("product_id"));
  }

  @Test
  public void aBlockCrossesItsCoderWhole() throws Exception {
    Schema s = Dataset.ORDER_LINES_ENRICHED.beamSchema();
    RowCoder coder = RowCoder.of(s);
    RowBlock.Builder b = new RowBlock.Builder(1, coder);
    List<Row> in = fill(b, s, 100, 0);
    RowBlock back = CoderUtils.clone(RowBlock.Coder.of(), b.take());
    List<Row> out = new ArrayList<>();
    back.rows(coder).forEach(out::add);
    assertEquals(in, out);
  }

  @Test
  public void aBlockArrivingInShortReadsDecodesWholeAndACutOneIsAnError() throws Exception {
    Schema s = Dataset.ORDER_LINES_ENRICHED.beamSchema();
    RowCoder coder = RowCoder.of(s);
    RowBlock.Builder b = new RowBlock.Builder(1, coder);
    // several of the 8 KiB chunks a stream's default read takes
    List<Row> in = fill(b, s, 0, 200_000);
    byte[] bytes = CoderUtils.encodeToByteArray(RowBlock.Coder.of(), b.take());
    // a network view hands over a block a buffer at a time
    RowBlock back = RowBlock.Coder.of().decode(new ShortReads(bytes, 3_000));
    List<Row> out = new ArrayList<>();
    back.rows(coder).forEach(out::add);
    assertEquals(in, out);

    CoderException e =
        assertThrows(
            CoderException.class,
            () ->
                RowBlock.Coder.of()
                    .decode(new ShortReads(Arrays.copyOf(bytes, bytes.length - 5), 3_000)));
    assertTrue(e.getMessage(), e.getMessage().contains("ended 5 bytes into a block of"));
  }

  @Test
  public void anEmptyBlockRoundTripsAndAnImpossibleLengthIsAnErrorNotAnArray() throws Exception {
    RowBlock empty = new RowBlock(2, 0, new byte[0]);
    RowBlock back = CoderUtils.clone(RowBlock.Coder.of(), empty);
    assertEquals(2, back.kind());
    assertEquals(0, back.count());
    // a header that claims more than any block, over a stream of ten bytes
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    VarInt.encode(0, header);
    VarInt.encode(1, header);
    VarInt.encode(RowBlock.Coder.MAX_EXACT + 1, header);
    header.write(new byte[10]);
    CoderException e =
        assertThrows(
            CoderException.class,
            () -> RowBlock.Coder.of().decode(new ByteArrayInputStream(header.toByteArray())));
    assertTrue(
        e.getMessage(),
        e.getMessage().contains("ended " + (RowBlock.Coder.MAX_EXACT + 1 - 10) + " bytes"));
  }

  /** Random rows of {@code s} added to {@code b} until it holds both minimums; the rows added. */
  private List<Row> fill(RowBlock.Builder b, Schema s, int minRows, int minBytes) {
    List<Row> in = new ArrayList<>();
    while (in.size() < minRows || b.bytes() < minBytes) {
      in.add(row(s));
      b.add(in.get(in.size() - 1));
    }
    return in;
  }

  /** A stream that gives at most {@code most} bytes per read. */
  private static final class ShortReads extends ByteArrayInputStream {
    private final int most;

    ShortReads(byte[] bytes, int most) {
      super(bytes);
      this.most = most;
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) {
      return super.read(dst, off, Math.min(len, most));
    }
  }

  @Test
  public void aDamagedBlockIsNamedAsSuch() throws Exception {
    Schema s = Dataset.ORDERS.beamSchema();
    RowCoder coder = RowCoder.of(s);
    RowBlock.Builder b = new RowBlock.Builder(0, coder);
    b.add(row(s));
    b.add(row(s));
    byte[] payload = payload(b.take());
    // the same bytes, said to hold one row more than they do
    RowBlock tooMany = new RowBlock(0, 3, payload);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> tooMany.rows(coder).forEach(r -> {}));
    assertTrue(e.getMessage(), e.getMessage().contains("damaged"));
    // and one row fewer: bytes are left over
    RowBlock tooFew = new RowBlock(0, 1, payload);
    assertThrows(IllegalStateException.class, () -> tooFew.rows(coder).forEach(r -> {}));
  }

  /** A block's row bytes, as its coder writes them after kind, count and length. */
  private static byte[] payload(RowBlock b) throws Exception {
    ByteArrayInputStream in =
        new ByteArrayInputStream(CoderUtils.encodeToByteArray(RowBlock.Coder.of(), b));
    VarInt.decodeInt(in);
    VarInt.decodeInt(in);
    return in.readNBytes(VarInt.decodeInt(in));
  }

  @Test
  public void aNullInARequiredFieldIsRefusedWithItsName() {
    Schema s =
        Schema.builder()
            .addInt32Field("order_id")
            .addNullableField("note", Schema.FieldType.STRING)
            .build();
    RowBlock.Builder b = new RowBlock.Builder(0, RowCoder.of(s));
    Row bad = Row.withSchema(s).attachValues(Arrays.asList(null, "x"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.add(bad));
    assertTrue(e.getMessage(), e.getMessage().contains("order_id"));
  }

  @Test
  public void otherSchemasKeepTheRowCoder() {
    Schema bytes = Schema.builder().addByteArrayField("b").build();
    assertFalse(BlockRowCodec.supports(bytes));
    RowCoder coder = RowCoder.of(bytes);
    RowBlock.Builder b = new RowBlock.Builder(0, coder);
    Row r = Row.withSchema(bytes).addValue(new byte[] {1, 2, 3}).build();
    b.add(r);
    List<Row> out = new ArrayList<>();
    b.take().rows(coder).forEach(out::add);
    assertEquals(List.of(r), out);
  }
}
