package dev.lakebeam.pipelines.backfill;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.testing.Lake;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Random damage to valid records (byte flips, truncation, field swaps, deleted or inserted bytes,
 * stray quotes and line breaks, duplicated lines) of every dataset, through the real backfill
 * (DirectRunner), 30 % of the records of the first 400 lines of each file. For each seed: the run
 * completes; every record read is clean, rejected or a duplicate; the rejected rows in the zone are
 * the ones the manifest counts; for the JSON-lines datasets the records read are exactly the
 * non-blank lines of the damaged file; and for the CSV ones every physical line (as Java's reader
 * counts them) is the header, blank, a record read or the continuation of a record with a quoted
 * line break.
 */
public class FuzzBackfillTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SAMPLE = Path.of("..", "sample-data", "files");
  private static final int LINES = 400;
  private static final double DAMAGED = 0.3;

  /** Source file → the dataset name of the manifest's counts. */
  private static final Map<String, String> FILES =
      Map.of(
          "aisles.csv",
          "aisles",
          "departments.csv",
          "departments",
          "products.csv",
          "products",
          "product_prices.csv",
          "product_prices",
          "orders.csv",
          "orders",
          "order_products__prior.csv",
          "order_products",
          "customers.jsonl",
          "customers",
          "clickstream.jsonl",
          "clickstream",
          "feedback.jsonl",
          "feedback");

  @Test
  public void damagedRecordsNeverCrashTheRunAndEveryRecordIsAccountedFor() throws Exception {
    List<String> failures = new ArrayList<>();
    // CI runs 4 seeds; a longer campaign: -Dfuzz.seeds=100 (-Dfuzz.firstSeed=N to start elsewhere).
    long first = Long.getLong("fuzz.firstSeed", 1);
    for (long seed = first; seed < first + Long.getLong("fuzz.seeds", 4); seed++) {
      failures.addAll(runWithSeed(seed));
    }
    assertEquals(String.join("\n", failures), List.of(), failures);
  }

  private List<String> runWithSeed(long seed) throws Exception {
    Random rnd = new Random(seed);
    Path input = tmp.newFolder("in-" + seed).toPath();
    Map<String, Long> jsonRecords = new TreeMap<>();
    Map<String, Long> physical = new TreeMap<>();
    Map<String, Boolean> headerIntact = new TreeMap<>();
    for (Map.Entry<String, String> f : new TreeMap<>(FILES).entrySet()) {
      List<String> lines = Files.readAllLines(SAMPLE.resolve(f.getKey()), StandardCharsets.UTF_8);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < Math.min(LINES, lines.size()); i++) {
        byte[] line = lines.get(i).getBytes(StandardCharsets.UTF_8);
        // The header stays intact in most runs: a damaged header rejects the whole file, which one
        // run in ten shows.
        boolean damage = i == 0 ? rnd.nextDouble() < 0.02 : rnd.nextDouble() < DAMAGED;
        if (i == 0) {
          headerIntact.put(f.getValue(), !damage);
        }
        out.write(damage ? mutate(line, rnd) : line);
        out.write('\n');
      }
      byte[] bytes = out.toByteArray();
      Files.write(input.resolve(f.getKey()), bytes);
      if (f.getKey().endsWith(".jsonl")) {
        jsonRecords.put(f.getValue(), nonBlankLines(bytes));
      } else {
        try (BufferedReader r =
            new BufferedReader(
                new InputStreamReader(
                    new ByteArrayInputStream(bytes), StandardCharsets.ISO_8859_1))) {
          physical.put(f.getValue(), r.lines().count());
        }
      }
    }
    Path lake = tmp.newFolder("lake-" + seed).toPath();
    BackfillTest.run(
        "backfill",
        "--profile=direct",
        "--input=" + input,
        "--lake=" + lake.toUri(),
        "--progressSeconds=0",
        "--maxRejectRatio=1");

    List<String> failures = new ArrayList<>();
    JsonNode manifest;
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      manifest = new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
    Map<String, Long> rejectedInZone = new TreeMap<>();
    for (GenericRecord r : Lake.read(lake.resolve("clean/_rejected"))) {
      String ref = r.get("source_ref").toString();
      String file = ref.substring(0, ref.indexOf(':'));
      rejectedInZone.merge(FILES.getOrDefault(file, file), 1L, Long::sum);
    }
    Map<String, JsonNode> inputs = new TreeMap<>();
    manifest.get("inputs").forEach(f -> inputs.put(f.get("dataset").asText(), f));
    long rejectedCounted = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = manifest.get("counts").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode c = e.getValue();
      long in = c.get("in").asLong();
      long outcome =
          c.get("clean").asLong()
              + c.get("rejected").asLong()
              + c.get("duplicates").asLong()
              + c.get("skipped").asLong();
      if (in != outcome) {
        failures.add("seed " + seed + " " + e.getKey() + ": in " + in + " but outcomes " + outcome);
      }
      if (jsonRecords.containsKey(e.getKey()) && jsonRecords.get(e.getKey()) != in) {
        failures.add(
            "seed "
                + seed
                + " "
                + e.getKey()
                + ": "
                + jsonRecords.get(e.getKey())
                + " non-blank lines but "
                + in
                + " records read");
      }
      if (physical.containsKey(e.getKey())) {
        JsonNode f = inputs.get(e.getKey());
        long lines = physical.get(e.getKey());
        long header =
            lines - f.get("blank_lines").asLong() - in - f.get("continuation_lines").asLong();
        if (f.get("lines").asLong() != lines
            || header < 0
            || header > 1
            || (headerIntact.get(e.getKey()) && header != 1)) {
          failures.add(
              "seed "
                  + seed
                  + " "
                  + e.getKey()
                  + ": "
                  + lines
                  + " physical lines, but the run read "
                  + f.get("lines")
                  + " lines: "
                  + f.get("blank_lines")
                  + " blank, "
                  + in
                  + " records, "
                  + f.get("continuation_lines")
                  + " continuations, so "
                  + header
                  + " header lines (header intact: "
                  + headerIntact.get(e.getKey())
                  + ")");
        }
      }
      long inZone = rejectedInZone.getOrDefault(e.getKey(), 0L);
      if (inZone != c.get("rejected").asLong()) {
        failures.add(
            "seed "
                + seed
                + " "
                + e.getKey()
                + ": manifest counts "
                + c.get("rejected")
                + " rejects, the zone holds "
                + inZone);
      }
      rejectedCounted += c.get("rejected").asLong();
    }
    if (rejectedCounted == 0) {
      failures.add("seed " + seed + ": the damage produced no rejects; the fuzzing did nothing");
    }
    return failures;
  }

  /** One random kind of damage to one record. */
  static byte[] mutate(byte[] line, Random rnd) {
    if (line.length == 0) {
      return line;
    }
    int at = rnd.nextInt(line.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (rnd.nextInt(8)) {
      case 0:
        { // flip a byte to any value
          byte[] b = line.clone();
          b[at] = (byte) rnd.nextInt(256);
          return b;
        }
      case 1: // truncate
        return Arrays.copyOf(line, at);
      case 2:
        { // swap two comma-separated fields
          String[] parts = new String(line, StandardCharsets.UTF_8).split(",", -1);
          if (parts.length > 1) {
            int i = rnd.nextInt(parts.length);
            int j = rnd.nextInt(parts.length);
            String t = parts[i];
            parts[i] = parts[j];
            parts[j] = t;
          }
          return String.join(",", parts).getBytes(StandardCharsets.UTF_8);
        }
      case 3: // delete a byte
        out.write(line, 0, at);
        out.write(line, at + 1, line.length - at - 1);
        return out.toByteArray();
      case 4: // a stray quote
        out.write(line, 0, at);
        out.write('"');
        out.write(line, at, line.length - at);
        return out.toByteArray();
      case 5: // a line break inside the record
        out.write(line, 0, at);
        out.write(rnd.nextBoolean() ? '\n' : '\r');
        out.write(line, at, line.length - at);
        return out.toByteArray();
      case 6:
        { // the record twice
          out.write(line, 0, line.length);
          out.write('\n');
          out.write(line, 0, line.length);
          return out.toByteArray();
        }
      default:
        { // a digit replaced by a long run of digits (overflow), or a character by a multi-byte one
          out.write(line, 0, at);
          byte[] ins =
              rnd.nextBoolean()
                  ? "99999999999999999999".getBytes(StandardCharsets.UTF_8)
                  : "\u00e9\u4e2d".getBytes(StandardCharsets.UTF_8);
          out.write(ins, 0, ins.length);
          out.write(line, at + 1, line.length - at - 1);
          return out.toByteArray();
        }
    }
  }

  /**
   * JSON-lines records: the lines (ended by LF, CRLF or a lone CR) that hold more than spaces and
   * tabs.
   */
  static long nonBlankLines(byte[] bytes) throws IOException {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.ISO_8859_1))) {
      return r.lines().filter(l -> !l.replace(" ", "").replace("\t", "").isEmpty()).count();
    }
  }
}
