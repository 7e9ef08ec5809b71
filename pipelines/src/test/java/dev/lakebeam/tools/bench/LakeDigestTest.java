package dev.lakebeam.tools.bench;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The digest sees the same rows in any order and file split as equal, and any changed value as not.
 */
public class LakeDigestTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Schema SCHEMA =
      SchemaBuilder.record("line")
          .fields()
          .requiredInt("order_id")
          .optionalString("eval_set")
          .requiredLong("_ingested_at")
          .endRecord();

  private static GenericRecord row(int id, String eval, long ingested) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("order_id", id);
    r.put("eval_set", eval);
    r.put("_ingested_at", ingested);
    return r;
  }

  private static void write(Path file, List<GenericRecord> rows) throws IOException {
    Files.createDirectories(file.getParent());
    try (ParquetWriter<GenericRecord> w =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(SCHEMA)
            .build()) {
      for (GenericRecord r : rows) {
        w.write(r);
      }
    }
  }

  @Test
  public void sameRowsInAnyOrderAndSplitDigestTheSame() throws IOException {
    Path a = tmp.newFolder("a").toPath();
    Path b = tmp.newFolder("b").toPath();
    Path c = tmp.newFolder("c").toPath();
    write(
        a.resolve("order_lines/year=2025/part-0.parquet"),
        List.of(row(1, "prior", 1), row(2, null, 1), row(3, "train", 1)));
    // Another run: other ingest times, other order, two files.
    write(b.resolve("order_lines/year=2025/part-0.parquet"), List.of(row(3, "train", 9)));
    write(
        b.resolve("order_lines/year=2025/part-1.parquet"),
        List.of(row(2, null, 9), row(1, "prior", 9)));
    // One value changed.
    write(
        c.resolve("order_lines/year=2025/part-0.parquet"),
        List.of(row(1, "prior", 1), row(2, "train", 1), row(3, "train", 1)));

    TreeMap<String, long[]> da = LakeDigest.digest(a);
    assertEquals(List.of("order_lines"), List.copyOf(da.keySet()));
    assertEquals(3, da.get("order_lines")[0]);
    assertArrayEquals(da.get("order_lines"), LakeDigest.digest(b).get("order_lines"));
    long[] dc = LakeDigest.digest(c).get("order_lines");
    assertEquals(3, dc[0]);
    assertNotEquals(da.get("order_lines")[1], dc[1]);
  }
}
