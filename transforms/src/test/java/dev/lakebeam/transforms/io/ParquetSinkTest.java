package dev.lakebeam.transforms.io;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.FlatRows;
import dev.lakebeam.transforms.records.RowBlock;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The lake's Parquet writer: every record back as written, unique columns without a dictionary. */
public class ParquetSinkTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Set<Encoding> DICTIONARY =
      Set.of(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);

  @Test
  public void uniqueColumnsAreWrittenWithoutADictionaryAndTheOthersWithOne() throws Exception {
    Schema avro = Dataset.ORDER_LINES.avroSchema();
    List<String> plain = Dataset.ORDER_LINES.uniqueColumns();
    assertEquals(List.of("_source_ref"), plain);

    List<GenericRecord> written = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      GenericRecord r = new GenericData.Record(avro);
      r.put("order_id", i / 10);
      r.put("product_id", i % 97);
      r.put("add_to_cart_order", i % 10 + 1);
      r.put("reordered", i % 2);
      r.put("quantity", 1);
      r.put("eval_set", i % 3 == 0 ? "train" : "prior");
      r.put("order_ts", 1_750_000_000_000L + i);
      r.put("updated_at", i % 5 == 0 ? null : 1_750_000_000_000L);
      r.put("_source", "files");
      // Few distinct refs, so that a dictionary would pay and Parquet would keep one if allowed:
      // with unique values it gives the dictionary up after the first page by itself.
      r.put("_source_ref", "order_products__prior.csv:" + (i % 10));
      r.put("_ingested_at", 1_760_000_000_000L);
      r.put("_schema_version", 1);
      written.add(r);
    }
    Path file = tmp.getRoot().toPath().resolve("part.parquet");
    ParquetSink<GenericRecord> sink = ParquetSink.records(avro, plain);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(ch);
      for (GenericRecord r : written) {
        sink.write(r);
      }
      sink.flush();
      assertTrue("the sink leaves the channel to FileIO", ch.isOpen());
    }

    HadoopInputFile in =
        HadoopInputFile.fromPath(
            new org.apache.hadoop.fs.Path(file.toUri()), new LeanConfiguration());
    List<GenericRecord> read = new ArrayList<>();
    try (ParquetReader<GenericRecord> r =
        AvroParquetReader.<GenericRecord>builder(in).withDataModel(GenericData.get()).build()) {
      for (GenericRecord g = r.read(); g != null; g = r.read()) {
        read.add(g);
      }
    }
    assertEquals(written.size(), read.size());
    for (int i = 0; i < written.size(); i++) {
      assertEquals(written.get(i).toString(), read.get(i).toString());
    }
    try (ParquetFileReader f = ParquetFileReader.open(in)) {
      assertEquals("SNAPPY", f.getRowGroups().get(0).getColumns().get(0).getCodec().name());
      for (BlockMetaData block : f.getRowGroups()) {
        for (ColumnChunkMetaData c : block.getColumns()) {
          boolean dictionary = c.getEncodings().stream().anyMatch(DICTIONARY::contains);
          String column = c.getPath().toDotString();
          if (column.equals("_source_ref")) {
            assertFalse(column + ": " + c.getEncodings(), dictionary);
          } else if (column.equals("eval_set") || column.equals("_source")) {
            assertTrue(column + ": " + c.getEncodings(), dictionary);
          }
        }
      }
    }
  }

  /**
   * Rows written into Parquet's columns directly give the very bytes that the same rows give as
   * Avro records through Avro's write support (the sink's one setting of both), for every dataset:
   * nulls, dates, decimals, NaN and -0.0, non-ASCII text and a lone surrogate included. So do the
   * same rows written from blocks without a row object each ({@link FlatRows}, the batch writers).
   */
  @Test
  public void rowsGiveTheSameFileAsTheirAvroRecords() throws Exception {
    Random random = new Random(11);
    for (Dataset d : Dataset.values()) {
      assertSameFiles(d, d.beamSchema(), randomRows(d, d.beamSchema(), random, false));
    }
  }

  /**
   * Rows whose schema has the file's fields in another order and one more field (a step's rows
   * before their projection), negative ints and instants and dates before 1970: the same bytes.
   */
  @Test
  public void rowsOfAnotherFieldOrderWithAFieldMoreGiveTheSameFile() throws Exception {
    Random random = new Random(12);
    for (Dataset d : Dataset.values()) {
      List<org.apache.beam.sdk.schemas.Schema.Field> fields =
          new ArrayList<>(d.beamSchema().getFields());
      Collections.reverse(fields);
      fields.add(
          fields.size() / 2,
          org.apache.beam.sdk.schemas.Schema.Field.nullable(
              "not_in_the_file", org.apache.beam.sdk.schemas.Schema.FieldType.STRING));
      org.apache.beam.sdk.schemas.Schema beam =
          org.apache.beam.sdk.schemas.Schema.builder().addFields(fields).build();
      assertSameFiles(d, beam, randomRows(d, beam, random, true));
    }
  }

  /**
   * Rows of a dataset's fields in {@code beam}'s order: nulls, NaN and -0.0, non-ASCII text and a
   * lone surrogate; {@code wide}: ints, instants and dates on both sides of zero.
   */
  private static List<Row> randomRows(
      Dataset d, org.apache.beam.sdk.schemas.Schema beam, Random random, boolean wide) {
    List<Row> rows = new ArrayList<>();
    for (int n = 0; n < 3_000; n++) {
      List<Object> values = new ArrayList<>();
      for (org.apache.beam.sdk.schemas.Schema.Field f : beam.getFields()) {
        Schema.Field column = d.avroSchema().getField(f.getName());
        boolean date = column != null && column.schema().toString().contains("\"date\"");
        values.add(
            f.getType().getNullable() && random.nextInt(4) == 0
                ? null
                : switch (f.getType().getTypeName()) {
                  case INT32 -> wide ? random.nextInt(2_001) - 1_000 : random.nextInt(50);
                  case INT64 -> random.nextLong();
                  case DOUBLE ->
                      switch (random.nextInt(6)) {
                        case 0 -> Double.NaN;
                        case 1 -> -0.0;
                        default -> random.nextGaussian();
                      };
                  case LOGICAL_TYPE ->
                      BigDecimal.valueOf(random.nextLong() % 100_000_000L - 50_000_000L, 2);
                  case BOOLEAN -> random.nextBoolean();
                  case STRING ->
                      switch (random.nextInt(4)) {
                        case 0 -> "Cr\u00e8me fra\u00eeche " + random.nextInt(30);
                        case 1 -> "a lone surrogate \ud800 " + random.nextInt(3);
                        default -> "x" + n;
                      };
                  case DATETIME ->
                      new Instant(
                          date
                              ? 86_400_000L * (random.nextInt(20_000) - (wide ? 10_000 : 0))
                              : wide ? random.nextLong() >> 23 : random.nextLong() >>> 23);
                  default ->
                      throw new AssertionError(
                          d + " has a " + f.getType() + " field: extend this test");
                });
      }
      rows.add(Row.withSchema(beam).attachValues(values));
    }
    return rows;
  }

  /**
   * The rows written as Avro records, as rows, and from blocks of them (about 20 KB each, read by
   * {@link FlatRows}) give one file.
   */
  private void assertSameFiles(Dataset d, org.apache.beam.sdk.schemas.Schema beam, List<Row> rows)
      throws Exception {
    Path viaRecords = tmp.newFile().toPath();
    Path direct = tmp.newFile().toPath();
    Path fromBlocks = tmp.newFile().toPath();
    AvroRows.ToAvro toAvro = new AvroRows.ToAvro(d.avroSchema());
    ParquetSink<GenericRecord> records = ParquetSink.records(d.avroSchema(), d.uniqueColumns());
    ParquetSink<Row> sink = ParquetSink.rows(d.avroSchema(), d.uniqueColumns());
    List<GenericRecord> asRecords = new ArrayList<>();
    try (FileChannel a = FileChannel.open(viaRecords, StandardOpenOption.WRITE);
        FileChannel b = FileChannel.open(direct, StandardOpenOption.WRITE)) {
      records.open(a);
      sink.open(b);
      for (Row r : rows) {
        GenericRecord record = toAvro.apply(r);
        asRecords.add(record);
        records.write(record);
        sink.write(r);
      }
      records.flush();
      sink.flush();
    }
    // the sink's dictionary writers are its own: Parquet's writer gives the same file
    assertArrayEquals(
        d + ": Parquet's own writer",
        DictionaryWritersTest.parquetsOwn(d.avroSchema(), d.uniqueColumns(), asRecords),
        Files.readAllBytes(viaRecords));
    assertTrue(d + " is written from blocks", sink.writesFlat(beam));
    try (FileChannel c = FileChannel.open(fromBlocks, StandardOpenOption.WRITE)) {
      sink.open(c);
      RowCoder coder = RowCoder.of(beam);
      RowBlock.Builder block = new RowBlock.Builder(0, coder);
      for (int n = 0; n < rows.size(); n++) {
        block.add(rows.get(n));
        if (block.bytes() > 20_000 || n == rows.size() - 1) {
          FlatRows flat = block.take().flatRows(coder);
          while (flat.next()) {
            sink.writeFlat(flat);
          }
        }
      }
      sink.flush();
    }
    assertTrue(d + ": " + Files.size(direct) + " bytes", Files.size(direct) > 1_000);
    assertEquals(d + ": the files differ at byte", -1L, Files.mismatch(viaRecords, direct));
    assertEquals(d + ": from blocks, differs at byte", -1L, Files.mismatch(viaRecords, fromBlocks));
  }

  @Test
  public void aRowWithANullInARequiredFieldIsRefusedWithTheFieldsName() throws Exception {
    Dataset d = Dataset.ORDERS;
    List<Object> values =
        new ArrayList<>(Collections.nCopies(d.beamSchema().getFieldCount(), null));
    Row row = Row.withSchema(d.beamSchema()).attachValues(values);
    ParquetSink<Row> sink = ParquetSink.rows(d.avroSchema(), d.uniqueColumns());
    try (FileChannel ch = FileChannel.open(tmp.newFile().toPath(), StandardOpenOption.WRITE)) {
      sink.open(ch);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> sink.write(row));
      assertTrue(
          e.getMessage(),
          e.getMessage().contains("order_id") && e.getMessage().contains("not nullable"));
    }
  }

  /** From a block too: a row whose schema lets a field be null that the file's schema does not. */
  @Test
  public void aBlocksRowWithANullInARequiredFieldIsRefusedWithTheFieldsName() throws Exception {
    Dataset d = Dataset.ORDERS;
    org.apache.beam.sdk.schemas.Schema.Builder nullable =
        org.apache.beam.sdk.schemas.Schema.builder();
    for (org.apache.beam.sdk.schemas.Schema.Field f : d.beamSchema().getFields()) {
      nullable.addField(f.withNullable(true));
    }
    org.apache.beam.sdk.schemas.Schema beam = nullable.build();
    RowCoder coder = RowCoder.of(beam);
    RowBlock.Builder block = new RowBlock.Builder(0, coder);
    block.add(
        Row.withSchema(beam)
            .attachValues(new ArrayList<>(Collections.nCopies(beam.getFieldCount(), null))));
    ParquetSink<Row> sink = ParquetSink.rows(d.avroSchema(), d.uniqueColumns());
    assertTrue(sink.writesFlat(beam));
    try (FileChannel ch = FileChannel.open(tmp.newFile().toPath(), StandardOpenOption.WRITE)) {
      sink.open(ch);
      FlatRows flat = block.take().flatRows(coder);
      assertTrue(flat.next());
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> sink.writeFlat(flat));
      assertTrue(
          e.getMessage(),
          e.getMessage().contains("order_id") && e.getMessage().contains("not nullable"));
    }
  }

  @Test
  public void aPlainColumnMustBeInTheSchema() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ParquetSink.records(Dataset.ORDERS.avroSchema(), List.of("nope")));
    assertTrue(e.getMessage(), e.getMessage().contains("nope"));
  }

  @Test
  public void rejectsKeepTheirPayloadsAndMessagesPlain() {
    assertEquals(
        Set.of("source_ref", "payload", "payload_base64", "message"),
        Set.copyOf(Dataset.REJECTS.uniqueColumns()));
  }
}
