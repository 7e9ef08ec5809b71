package dev.lakebeam.pipelines.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import dev.lakebeam.transforms.io.ParquetFiles;
import dev.lakebeam.transforms.io.ParquetSink;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WrittenSchemas;
import java.math.BigDecimal;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Assert;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A lake that an older version wrote (money as a double: clean products of v1, the batch's daily
 * sales of v1, the stream's per-minute sales of v2) is rewritten in place in the newest schema,
 * cents exact; files already on the newest schema are left byte for byte; a dry run changes
 * nothing; a second run finds nothing to do.
 */
public class LakeUpgradeTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /**
   * Writes records of one (possibly older) schema as a Parquet file, as that version's writer did.
   */
  public static void write(Path file, Schema schema, List<GenericRecord> records) throws Exception {
    Files.createDirectories(file.getParent());
    ParquetSink<GenericRecord> sink = ParquetSink.of(schema);
    try (WritableByteChannel ch =
        FileSystems.create(
            FileSystems.matchNewResource(file.toString(), false), "application/octet-stream")) {
      sink.open(ch);
      for (GenericRecord r : records) {
        sink.write(r);
      }
      sink.flush();
    }
  }

  private static GenericRecord oldMinute(Schema v2, long windowStart, double revenue) {
    GenericData.Record r = new GenericData.Record(v2);
    for (Schema.Field f : v2.getFields()) {
      Schema t =
          f.schema().getType() == Schema.Type.UNION ? f.schema().getTypes().get(1) : f.schema();
      r.put(
          f.pos(),
          switch (t.getType()) {
            case INT -> 4;
            case LONG ->
                f.name().equals("window_start") || f.name().equals("updated_at") ? windowStart : 3L;
            case STRING -> "produce";
            case DOUBLE -> revenue;
            default -> throw new AssertionError("extend the test for " + f);
          });
    }
    return r;
  }

  /** A clean product as version 1 wrote it, with its price as a double. */
  public static GenericRecord oldProduct(int id, double price, long ingestedAt) {
    GenericData.Record product =
        new GenericData.Record(LakeSchemas.versions(Dataset.PRODUCTS.schemaPath()).get(0));
    product.put("product_id", id);
    product.put("product_name", "Banana");
    product.put("aisle_id", 24);
    product.put("department_id", 4);
    product.put("unit_price", price);
    product.put("_source", "files");
    product.put("_source_ref", "products.csv:2");
    product.put("_ingested_at", ingestedAt);
    product.put("_schema_version", 1);
    return product;
  }

  private static List<Row> rows(Path file, Dataset d) throws Exception {
    List<Row> out = new ArrayList<>();
    AvroRows.ToRow toRow = new AvroRows.ToRow(d.beamSchema());
    ParquetFiles.forEachInFile(file.toString(), g -> out.add(toRow.apply(g)));
    return out;
  }

  @Test
  public void olderMoneyIsRewrittenToTheCentAndOnlyOnce() throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Path consumption = lake.resolve("consumption");
    Schema dailyV1 = LakeSchemas.versions(Dataset.DAILY_DEPARTMENT_SALES.schemaPath()).get(0);
    GenericData.Record day = new GenericData.Record(dailyV1);
    day.put("date", 20_268);
    day.put("department_id", 4);
    day.put("department", "produce");
    day.put("orders", 46L);
    day.put("items", 219L);
    day.put("revenue", 92565.76999999998);
    Path daily = consumption.resolve("daily_department_sales/part-00000-of-00001.parquet");
    write(daily, dailyV1, List.of(day));

    Schema minuteV2 = LakeSchemas.versions(Dataset.DEPARTMENT_SALES_1M.schemaPath()).get(1);
    long t = 1_750_420_800_000L;
    Path oldMinutes =
        consumption.resolve("department_sales_1m/year=2025/month=06/day=20/part-a.parquet");
    write(
        oldMinutes,
        minuteV2,
        List.of(oldMinute(minuteV2, t, 3.0), oldMinute(minuteV2, t + 60_000, 0.1 + 0.2)));
    // a partition the stream wrote after the change: already decimal
    Row current =
        Row.withSchema(Dataset.DEPARTMENT_SALES_1M.beamSchema())
            .attachValues(
                new ArrayList<>(rows(oldMinutes, Dataset.DEPARTMENT_SALES_1M).get(0).getValues()));
    Path newMinutes =
        consumption.resolve("department_sales_1m/year=2025/month=06/day=21/part-b.parquet");
    write(
        newMinutes,
        Dataset.DEPARTMENT_SALES_1M.avroSchema(),
        List.of(new AvroRows.ToAvro(Dataset.DEPARTMENT_SALES_1M.avroSchema()).apply(current)));
    byte[] newBytes = Files.readAllBytes(newMinutes);
    byte[] oldBytes = Files.readAllBytes(oldMinutes);

    Path products = lake.resolve("clean/products/part-00000-of-00001.parquet");
    write(
        products,
        LakeSchemas.versions(Dataset.PRODUCTS.schemaPath()).get(0),
        List.of(oldProduct(1, 1.005, t)));

    // a pipeline that would read the old products stops while it is built and says what to do
    IllegalStateException refused =
        Assert.assertThrows(
            IllegalStateException.class,
            () ->
                Pipeline.create()
                    .apply(ReadZone.of(Dataset.PRODUCTS, lake.resolve("clean").toString())));
    assertThat(
        refused.getMessage(),
        containsString(
            "clean/products/part-00000-of-00001.parquet was written by an older lakebeam, with money as a double; run `lakebeam upgrade`"));

    String dry = BackfillRuns.ok("upgrade", "--lake=" + lake.toUri(), "--dryRun");
    assertThat(
        dry,
        containsString("consumption/daily_department_sales: would rewrite 1 of 1 files (1 rows)"));
    assertThat(
        dry,
        containsString("consumption/department_sales_1m: would rewrite 1 of 2 files (2 rows)"));
    assertArrayEquals(oldBytes, Files.readAllBytes(oldMinutes));

    // what a crashed run left in the scratch folder goes first
    Path stale =
        consumption.resolve(
            "_upgrade/department_sales_1m/year=2025/month=06/day=20/part-a.parquet");
    Files.createDirectories(stale.getParent());
    Files.copy(oldMinutes, stale);

    String first = BackfillRuns.ok("upgrade", "--lake=" + lake.toUri());
    assertThat(first, containsString("4 Parquet files checked"));
    assertThat(first, containsString("3 rewritten"));
    Row banana = rows(products, Dataset.PRODUCTS).get(0);
    assertEquals(new BigDecimal("1.01"), banana.getDecimal("unit_price"));
    assertEquals(
        "the rows are now written with the newest version",
        2,
        (int) banana.getInt32("_schema_version"));
    assertEquals("Banana", banana.getString("product_name"));
    assertEquals(Dataset.DAILY_DEPARTMENT_SALES.avroSchema(), WrittenSchemas.of(daily.toString()));
    assertEquals(
        Dataset.DEPARTMENT_SALES_1M.avroSchema(), WrittenSchemas.of(oldMinutes.toString()));
    Row d = rows(daily, Dataset.DAILY_DEPARTMENT_SALES).get(0);
    assertEquals(new BigDecimal("92565.77"), d.getDecimal("revenue"));
    assertEquals(219L, (long) d.getInt64("items"));
    assertEquals(null, d.getInt64("unpriced_items"));
    List<Row> minutes = rows(oldMinutes, Dataset.DEPARTMENT_SALES_1M);
    assertEquals(
        List.of(new BigDecimal("3.00"), new BigDecimal("0.30")),
        minutes.stream().map(r -> r.getDecimal("revenue")).toList());
    assertEquals(new Instant(t + 60_000), minutes.get(1).getDateTime("window_start"));
    assertArrayEquals(
        "a file already on the newest schema is not touched",
        newBytes,
        Files.readAllBytes(newMinutes));
    try (var s = Files.walk(lake)) {
      assertEquals(
          "no temporary file is left", 0, s.filter(p -> p.toString().contains("_upgrade")).count());
    }

    String second = BackfillRuns.ok("upgrade", "--lake=" + lake.toUri());
    assertThat(second, containsString("0 to rewrite: the lake is on the newest schemas"));
  }
}
