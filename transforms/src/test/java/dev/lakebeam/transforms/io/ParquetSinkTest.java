package dev.lakebeam.transforms.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.Dataset;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The lake's Parquet writer: every record back as written, unique columns without a dictionary. */
public class ParquetSinkTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Set<Encoding> DICTIONARY = Set.of(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);

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
    ParquetSink sink = new ParquetSink(avro, plain);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(ch);
      for (GenericRecord r : written) {
        sink.write(r);
      }
      sink.flush();
      assertTrue("the sink leaves the channel to FileIO", ch.isOpen());
    }

    HadoopInputFile in = HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new LeanConfiguration());
    List<GenericRecord> read = new ArrayList<>();
    try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(in).withDataModel(GenericData.get()).build()) {
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

  @Test
  public void aPlainColumnMustBeInTheSchema() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ParquetSink(Dataset.ORDERS.avroSchema(), List.of("nope")));
    assertTrue(e.getMessage(), e.getMessage().contains("nope"));
  }

  @Test
  public void rejectsKeepTheirPayloadsAndMessagesPlain() {
    assertEquals(Set.of("source_ref", "payload", "payload_base64", "message"),
        Set.copyOf(Dataset.REJECTS.uniqueColumns()));
  }
}
