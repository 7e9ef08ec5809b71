package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.cli.Profiles;
import dev.lakebeam.pipelines.testing.Lake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * --maxRejectRatio: past the budget the run fails loudly, publishes its rejects and a FAILED
 * manifest, and no clean data; within it the run publishes as usual.
 */
public class RejectBudgetTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path BAD = Path.of("..", "sample-data", "bad");
  private static final Path SAMPLE = Path.of("..", "sample-data", "files");

  /** 21 departments (clean) and an orders file without a header (2 rejects): 2 of 23 records, 8.7 %. */
  private Path input() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    Files.copy(SAMPLE.resolve("departments.csv"), input.resolve("departments.csv"));
    Files.copy(BAD.resolve("23-missing-header.orders.csv"), input.resolve("orders.csv"));
    return input;
  }

  @Test
  public void overTheBudgetTheRunFailsWithItsRejectsAndManifestAndPublishesNoCleanData() throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Outcome r = run("backfill", "--profile=direct", "--input=" + input(), "--lake=" + lake.toUri(), "--zones=raw,clean",
        "--maxRejectRatio=0.05");
    assertNotEquals(r.output, 0, r.code);
    assertThat(r.output, containsString("reject budget exceeded: 2 of 23 records rejected (8.70 %), over --maxRejectRatio=0.05"));
    assertThat(r.output, containsString("most: orders 2 of 2"));
    JsonNode manifest = manifest(lake);
    assertEquals("FAILED", manifest.get("status").asText());
    assertThat(manifest.get("failure").asText(), containsString("reject budget exceeded"));
    assertEquals(2, Lake.read(lake.resolve("clean/_rejected")).size());
    assertFalse("no clean data published", Files.exists(lake.resolve("clean/departments")));
    try (Stream<Path> s = Files.list(lake.resolve("clean"))) {
      assertEquals("only the rejects in clean, no staging left", List.of("_rejected"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  public void withinTheBudgetTheRunPublishes() throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Outcome r = run("backfill", "--profile=direct", "--input=" + input(), "--lake=" + lake.toUri(), "--zones=raw,clean",
        "--maxRejectRatio=0.1");
    assertEquals(r.output, 0, r.code);
    assertEquals("SUCCEEDED", manifest(lake).get("status").asText());
    assertEquals(21, Lake.read(lake.resolve("clean/departments")).size());
    assertEquals(2, Lake.read(lake.resolve("clean/_rejected")).size());
  }

  @Test
  public void aRatioOutsideZeroToOneIsAUsageError() throws Exception {
    Outcome r = run("backfill", "--profile=direct", "--input=" + input(), "--lake=" + tmp.newFolder("lake").toURI(), "--maxRejectRatio=5");
    assertEquals(r.output, 2, r.code);
    assertThat(r.output, containsString("--maxRejectRatio takes a share of the records from 0 to 1"));
  }

  record Outcome(int code, String output) {}

  static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8),
        new Profiles(List.of(Path.of("..", "runner-profiles")))).run(args);
    return new Outcome(code, out.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode manifest(Path lake) throws Exception {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      return new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
  }
}
