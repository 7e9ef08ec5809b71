package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Assert;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Rows written by WriteParquet into date partitions come back unchanged through ReadZone, whole or
 * projected on some columns.
 */
public class WriteAndReadZoneTest {
  @Rule public final transient TestPipeline write = TestPipeline.create();
  @Rule public final transient TestPipeline read = TestPipeline.create();
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static Row feedback(String id, String ts) {
    return Row.withSchema(Dataset.FEEDBACK.beamSchema())
        .withFieldValue("feedback_id", id)
        .withFieldValue("store_id", 3)
        .withFieldValue("rating", 5)
        .withFieldValue("comment", "ok, \"great\"")
        .withFieldValue("email_token", null)
        .withFieldValue("submitted_at", new Instant(java.time.Instant.parse(ts).toEpochMilli()))
        .withFieldValue("_source", "files")
        .withFieldValue("_source_ref", "feedback.jsonl:1")
        .withFieldValue("_ingested_at", new Instant(0))
        .withFieldValue("_schema_version", 1)
        .build();
  }

  @Test
  public void roundTripThroughDatePartitions() throws Exception {
    Path zone = tmp.newFolder("clean").toPath();
    List<Row> rows =
        List.of(
            feedback("a", "2025-06-01T23:59:59Z"),
            feedback("b", "2025-06-02T00:00:00Z"),
            feedback("c", "2025-06-02T12:00:00Z"));
    write
        .apply(Create.of(rows).withRowSchema(Dataset.FEEDBACK.beamSchema()))
        .apply(WriteParquet.of(Dataset.FEEDBACK, zone.resolve("feedback").toString(), "part", 1));
    write.run().waitUntilFinish();
    try (Stream<Path> s = Files.walk(zone)) {
      List<String> files =
          s.filter(Files::isRegularFile).map(p -> zone.relativize(p).toString()).sorted().toList();
      Assert.assertEquals(
          List.of(
              "feedback/year=2025/month=06/day=01/part-00000-of-00001.parquet",
              "feedback/year=2025/month=06/day=02/part-00000-of-00001.parquet"),
          files);
    }
    PAssert.that(read.apply(ReadZone.of(Dataset.FEEDBACK, zone.toString())))
        .containsInAnyOrder(rows);
    read.run();
  }

  @Test
  public void columnsReadOnlyThoseFieldsInTheSchemasOrder() throws Exception {
    Path zone = tmp.newFolder("clean").toPath();
    List<Row> rows =
        List.of(feedback("a", "2025-06-01T23:59:59Z"), feedback("b", "2025-06-02T00:00:00Z"));
    write
        .apply(Create.of(rows).withRowSchema(Dataset.FEEDBACK.beamSchema()))
        .apply(WriteParquet.of(Dataset.FEEDBACK, zone.resolve("feedback").toString(), "part", 1));
    write.run().waitUntilFinish();
    ReadZone projected =
        ReadZone.of(Dataset.FEEDBACK, zone.toString())
            .columns(List.of("submitted_at", "feedback_id", "email_token"));
    Schema schema = projected.schema();
    Assert.assertEquals(
        List.of("feedback_id", "email_token", "submitted_at"), schema.getFieldNames());
    List<Row> expected =
        rows.stream()
            .map(
                r ->
                    Row.withSchema(schema)
                        .addValues(r.getString("feedback_id"), null, r.getDateTime("submitted_at"))
                        .build())
            .toList();
    PAssert.that(read.apply(projected)).containsInAnyOrder(expected);
    read.run();
  }

  @Test
  public void aColumnTheDatasetLacksIsNamed() {
    IllegalArgumentException e =
        Assert.assertThrows(
            IllegalArgumentException.class,
            () ->
                ReadZone.of(Dataset.FEEDBACK, "/nowhere")
                    .columns(List.of("feedback_id", "ratting")));
    Assert.assertTrue(
        e.getMessage(),
        e.getMessage().startsWith("feedback has no column ratting; its columns: [feedback_id"));
    write.enableAbandonedNodeEnforcement(false);
    read.enableAbandonedNodeEnforcement(false);
  }
}
