package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.Tokenizer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * The stream events of sample-data/bad (datasets {@code kinesis:*}) through the streaming
 * pipeline's own stages, from the record as read off Kinesis ({@link ToRawFn#toRaw}: event id,
 * trusted event time) to clean rows and rejects: each file ends as EXPECTED.csv says. Each file
 * runs in its own pipeline (DirectRunner), as the only records of its stream.
 */
public class StreamBadCorpusTest {
  private static final Path BAD = Path.of("..", "sample-data", "bad");
  private static final Instant ARRIVAL = Instant.parse("2025-06-30T12:00:00Z");

  @Test
  public void everyBadStreamFileEndsAsDocumented() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    List<String> lines = Files.readAllLines(BAD.resolve("EXPECTED.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", 7);
      if (!f[1].startsWith("kinesis:")) {
        continue;
      }
      SourceDataset source =
          switch (f[1].substring("kinesis:".length())) {
            case "orders" -> SourceDataset.ORDERS;
            case "clickstream" -> SourceDataset.CLICK_EVENTS;
            case "feedback" -> SourceDataset.FEEDBACK;
            default -> throw new IllegalArgumentException(f[1]);
          };
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < Integer.parseInt(f[2]); i++) {
        expected.add("clean");
      }
      if (!f[5].isEmpty()) {
        for (String rc : f[5].split(";")) {
          String[] kv = rc.split("=");
          for (int i = 0; i < Integer.parseInt(kv[1]); i++) {
            expected.add(kv[0]);
          }
        }
      }
      try {
        run(f[0], source, expected);
      } catch (AssertionError e) {
        failures.add(f[0] + ": " + e.getMessage());
      }
      checked++;
    }
    assertEquals(String.join("\n", failures), List.of(), failures);
    assertEquals("stream files in the corpus", 4, checked);
  }

  private static void run(String file, SourceDataset source, List<String> expected)
      throws Exception {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    List<TimestampedValue<KV<String, Row>>> records = new ArrayList<>();
    int n = 0;
    for (String payload : Files.readAllLines(BAD.resolve(file), StandardCharsets.UTF_8)) {
      n++;
      records.add(
          ToRawFn.toRaw(
              source,
              "lakebeam-" + source.kinesis().name() + ":shardId-000000000000:" + n,
              payload,
              ARRIVAL));
    }
    Map<SourceDataset, PCollection<KV<String, Row>>> keyed = new EnumMap<>(SourceDataset.class);
    keyed.put(
        source, p.apply("Records", Create.timestamped(records).withCoder(ToRawFn.KEYED_CODER)));
    Map<Dataset, PCollection<Row>> dimensions = new EnumMap<>(Dataset.class);
    Map<Dataset, List<Object>> oneEach =
        Map.of(
            Dataset.DEPARTMENTS,
            List.of(1, "produce"),
            Dataset.AISLES,
            List.of(1, "fresh fruits"),
            Dataset.PRODUCTS,
            List.of(1, "Banana", 1, 1, new BigDecimal("0.25")));
    for (Map.Entry<Dataset, List<Object>> e : oneEach.entrySet()) {
      Schema schema = e.getKey().beamSchema();
      Row row =
          Row.withSchema(schema)
              .addValues(e.getValue())
              .addValues("files", "test:1", ARRIVAL, 1)
              .build();
      dimensions.put(
          e.getKey(),
          p.apply("Dimension " + e.getKey().datasetName(), Create.of(row).withRowSchema(schema)));
    }
    CleanConfig cfg =
        new CleanConfig(
            Instant.now(),
            60 * 60_000L,
            new Tokenizer("stream-bad-corpus-key".getBytes(StandardCharsets.UTF_8)),
            OrderTimestamps.DEFAULT_AS_OF,
            null,
            null);
    Streamed out =
        StreamStages.process(
            p,
            keyed,
            dimensions,
            new StreamStages.Settings(
                Duration.standardMinutes(10),
                Duration.standardSeconds(60),
                Duration.standardSeconds(600),
                Duration.standardSeconds(5),
                cfg));
    Dataset main = source.target();
    PCollection<String> clean =
        out.clean()
            .get(main)
            .apply("Clean", MapElements.into(TypeDescriptors.strings()).via((Row r) -> "clean"));
    PCollection<String> rejected =
        out.rejects()
            .apply(
                "Reasons",
                MapElements.into(TypeDescriptors.strings())
                    .via((Row r) -> r.getString("reason_code")));
    PAssert.that(PCollectionList.of(clean).and(rejected).apply(Flatten.pCollections()))
        .containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }
}
