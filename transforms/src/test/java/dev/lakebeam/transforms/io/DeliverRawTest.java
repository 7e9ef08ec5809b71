package dev.lakebeam.transforms.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Firehose-like raw delivery: buffers flush by time, by size and at the end, into complete gzip
 * files.
 */
public class DeliverRawTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static String event(int i) {
    return "{\"event_id\":\"e-"
        + i
        + "\",\"payload\":\""
        + "x".repeat(40)
        + "\"}"; // 69 bytes + newline
  }

  @Test
  public void buffersFlushByTimeBySizeAndAtTheEndAndLoseNothing() throws Exception {
    String raw = tmp.newFolder("raw").toString();
    TestStream<KV<String, String>> in =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .advanceWatermarkTo(new Instant(0))
            .addElements(
                KV.of("lakebeam-orders", event(1)),
                KV.of("lakebeam-orders", event(2)),
                KV.of("lakebeam-clickstream", event(3)))
            .advanceProcessingTime(
                Duration.standardSeconds(
                    61)) // the 60 s buffer time passes: two files (one per stream)
            .addElements(
                KV.of("lakebeam-orders", event(4)),
                KV.of("lakebeam-orders", event(5)),
                KV.of("lakebeam-orders", event(6)),
                KV.of(
                    "lakebeam-orders",
                    event(7))) // 4 × 70 bytes reach the 250-byte size: a third file at once
            .addElements(
                KV.of(
                    "lakebeam-orders",
                    event(8))) // still buffered when the input ends: a fourth file
            .advanceWatermarkToInfinity();
    PCollection<KV<String, Long>> files =
        p.apply(in).apply(DeliverRaw.to(raw, Duration.standardSeconds(60), 250));
    PAssert.that(
            files.apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (KV<String, Long> f) ->
                            f.getKey()
                                    .substring(raw.length())
                                    .replaceAll("ingest_date=[0-9-]+/.*", "")
                                + " "
                                + f.getValue())))
        .containsInAnyOrder(
            "/kinesis/lakebeam-orders/ 2",
            "/kinesis/lakebeam-clickstream/ 1",
            "/kinesis/lakebeam-orders/ 4",
            "/kinesis/lakebeam-orders/ 1");
    p.run().waitUntilFinish();

    List<String> lines = new ArrayList<>();
    List<Path> all;
    try (Stream<Path> s = Files.walk(Path.of(raw))) {
      all = s.filter(Files::isRegularFile).toList();
    }
    assertEquals(4, all.size());
    for (Path f : all) {
      assertFalse(
          "no temporary file is left: " + f, f.getFileName().toString().startsWith(".temp-"));
      assertTrue(
          f.toString(),
          f.getParent().getFileName().toString().matches("ingest_date=\\d{4}-\\d{2}-\\d{2}"));
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(
                  new GZIPInputStream(Files.newInputStream(f)), StandardCharsets.UTF_8))) {
        r.lines().forEach(lines::add);
      }
    }
    lines.sort(null);
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      expected.add(event(i));
    }
    expected.sort(null);
    assertEquals("every record delivered exactly once", expected, lines);
  }
}
