package dev.lakebeam.transforms.io;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.Test;

/**
 * The sink's dictionary writers give the very bytes of Parquet's own: dictionaries kept, a chunk
 * that gives its dictionary up on the first page, and one that gives it up after a page used it.
 */
public class DictionaryWritersTest {
  private static final Schema SCHEMA =
      SchemaBuilder.record("t")
          .fields()
          .requiredInt("order_id")
          .optionalInt("maybe")
          .requiredLong("grows")
          .requiredString("name")
          .requiredString("unique")
          .requiredString("plain")
          .optionalBytes("cents")
          .requiredDouble("score")
          .endRecord();

  private static List<GenericRecord> records(int n) {
    Random random = new Random(7);
    String[] names = new String[500];
    for (int i = 0; i < names.length; i++) {
      // shared prefixes, an empty value and non-ASCII ones
      names[i] = i == 0 ? "" : "Organic Whole Milk " + (i % 3 == 0 ? "Ünïcode " : "") + i;
    }
    List<GenericRecord> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      GenericRecord r = new GenericData.Record(SCHEMA);
      r.put("order_id", i / 7);
      int m = random.nextInt(6);
      r.put("maybe", m == 0 ? null : m == 1 ? Integer.MIN_VALUE : m == 2 ? 0 : -random.nextInt(50));
      // 100k distinct values over the first 300k rows (the first page keeps the dictionary), then
      // one new value per row until the dictionary passes its 1 MiB and the chunk falls back
      r.put("grows", i < 300_000 ? i / 3 : (long) i * 1_000_003L - Long.MAX_VALUE / 2);
      r.put("name", names[random.nextInt(names.length)]);
      r.put("unique", "ref-" + i + "-" + Long.toHexString(random.nextLong()));
      r.put("plain", names[i % 3]);
      r.put(
          "cents",
          m == 0 ? null : ByteBuffer.wrap(new byte[] {(byte) (i % 5), (byte) random.nextInt(3)}));
      r.put("score", (i % 1000) / 8.0);
      rows.add(r);
    }
    return rows;
  }

  /**
   * Parquet's own writer, as the sink was built before it had writers of its own ({@code
   * plainColumns} without a dictionary).
   */
  static byte[] parquetsOwn(Schema avro, List<String> plainColumns, List<GenericRecord> rows)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AvroParquetWriter.Builder<GenericRecord> b =
        AvroParquetWriter.<GenericRecord>builder(
                new ParquetSink.ChannelFile(Channels.newChannel(out)))
            .withSchema(avro)
            .withDataModel(GenericData.get())
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withConf(new LeanConfiguration())
            .withRowGroupSize(ParquetSink.ROW_GROUP_BYTES);
    for (String c : plainColumns) {
      b.withDictionaryEncoding(c, false);
    }
    try (ParquetWriter<GenericRecord> w = b.build()) {
      for (GenericRecord r : rows) {
        w.write(r);
      }
    }
    return out.toByteArray();
  }

  private static byte[] parquets(List<GenericRecord> rows) throws IOException {
    return parquetsOwn(SCHEMA, List.of("plain"), rows);
  }

  private static byte[] sinks(List<GenericRecord> rows) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ParquetSink<GenericRecord> sink = ParquetSink.records(SCHEMA, List.of("plain"));
    sink.open(Channels.newChannel(out));
    for (GenericRecord r : rows) {
      sink.write(r);
    }
    sink.flush();
    return out.toByteArray();
  }

  @Test
  public void theFilesAreParquetsOwnByteForByte() throws Exception {
    List<GenericRecord> rows = records(420_000);
    byte[] expected = parquets(rows);
    byte[] actual = sinks(rows);
    assertEquals(expected.length, actual.length);
    assertArrayEquals(expected, actual);

    // the cases the writers must cover are in the file
    try (ParquetFileReader reader = ParquetFileReader.open(new InMemory(actual))) {
      assertEquals(1, reader.getRowGroups().size());
      for (ColumnChunkMetaData c : reader.getRowGroups().get(0).getColumns()) {
        String column = c.getPath().toDotString();
        boolean dictionary = c.getEncodings().contains(Encoding.PLAIN_DICTIONARY);
        boolean plain = c.getEncodings().contains(Encoding.PLAIN);
        switch (column) {
          case "order_id", "maybe", "name", "cents", "score" ->
              assertTrue(column, dictionary && !plain);
          case "grows" -> assertTrue(column + " keeps a page and falls back", dictionary && plain);
          case "unique", "plain" -> assertTrue(column, !dictionary && plain);
          default -> throw new AssertionError(column);
        }
      }
    }
  }

  @Test
  public void smallAndEmptyFilesAreParquetsOwnToo() throws Exception {
    for (int n : new int[] {0, 1, 2, 1000}) {
      List<GenericRecord> rows = records(n);
      assertArrayEquals("rows: " + n, parquets(rows), sinks(rows));
    }
  }

  /**
   * Parquet's writers and ours, driven as a column writer drives them (values, a page's bytes, the
   * dictionary page at the column chunk's end), give the same bytes, whether a column keeps its
   * dictionary, gives it up on its first page or after a page used it. Binary values come over a
   * reused buffer that is overwritten after each write.
   */
  @Test
  public void theValuesWritersGiveParquetsPagesThroughFallbacksAndRowGroups() throws IOException {
    for (PrimitiveTypeName type : new PrimitiveTypeName[] {INT32, INT64, BINARY}) {
      for (int seed = 0; seed < 40; seed++) {
        ParquetProperties parquets =
            ParquetProperties.builder().withDictionaryPageSize(2048).build();
        ParquetProperties ours =
            ParquetProperties.builder()
                .withDictionaryPageSize(2048)
                .withValuesWriterFactory(new DictionaryWriters.Factory())
                .build();
        ColumnDescriptor column =
            new ColumnDescriptor(new String[] {"c"}, Types.required(type).named("c"), 0, 0);
        Random random = new Random(seed);
        byte[] reused = new byte[64];
        for (int group = 0; group < 3; group++) {
          // a column chunk's writers, new for each row group as Parquet makes them
          ValuesWriter a = parquets.getValuesWriterFactory().newValuesWriter(column);
          ValuesWriter b = ours.getValuesWriterFactory().newValuesWriter(column);
          for (int page = 0; page < 4; page++) {
            int n = 1 + random.nextInt(600);
            int distinct = 1 + random.nextInt(seed % 3 == 0 ? 50 : 2_000);
            int v = 0;
            for (int i = 0; i < n; i++) {
              if (random.nextInt(3) > 0) { // else the previous value again
                v = random.nextInt(distinct) - distinct / 2;
              }
              switch (type) {
                case INT32 -> { // both sides of 0 and of 65,536
                  a.writeInteger(v * 97);
                  b.writeInteger(v * 97);
                }
                case INT64 -> {
                  a.writeLong(v * 0x1_0000_0001L);
                  b.writeLong(v * 0x1_0000_0001L);
                }
                default -> {
                  byte[] text =
                      ("v" + v + "abcdefghijklmnopqrstuvwxyz".substring(0, Math.floorMod(v, 27)))
                          .getBytes(StandardCharsets.UTF_8);
                  int length = v == 0 ? 0 : text.length;
                  int from = random.nextInt(8);
                  System.arraycopy(text, 0, reused, from, length);
                  Binary value = Binary.fromReusedByteArray(reused, from, length);
                  a.writeBytes(value);
                  b.writeBytes(value);
                  Arrays.fill(reused, (byte) '?');
                }
              }
            }
            String at = type + ", seed " + seed + ", row group " + group + ", page " + page;
            assertArrayEquals(at, a.getBytes().toByteArray(), b.getBytes().toByteArray());
            assertEquals(at, a.getEncoding(), b.getEncoding());
            a.reset();
            b.reset();
          }
          DictionaryPage da = a.toDictPageAndClose();
          DictionaryPage db = b.toDictPageAndClose();
          String at = type + ", seed " + seed + ", row group " + group;
          assertEquals(at, da == null, db == null);
          if (da != null) {
            assertArrayEquals(at, da.getBytes().toByteArray(), db.getBytes().toByteArray());
            assertEquals(at, da.getDictionarySize(), db.getDictionarySize());
            assertEquals(at, da.getEncoding(), db.getEncoding());
            a.resetDictionary();
            b.resetDictionary();
          }
          a.close();
          b.close();
        }
      }
    }
  }

  private static final class InMemory implements InputFile {
    private final byte[] bytes;

    InMemory(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public long getLength() {
      return bytes.length;
    }

    @Override
    public SeekableInputStream newStream() {
      java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes);
      return new DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() {
          return bytes.length - in.available();
        }

        @Override
        public void seek(long newPos) {
          in.reset();
          in.skip(newPos);
        }
      };
    }
  }
}
