package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.run.BuildInfo;
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
 * --maxRejectRatio, per dataset and 5 % by default: past the budget the run fails loudly, publishes
 * its rejects and a FAILED manifest, and no clean data; within it the run publishes.
 */
public class RejectBudgetTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path BAD = Path.of("..", "sample-data", "bad");
  private static final Path SAMPLE = Path.of("..", "sample-data", "files");

  /**
   * The 1,655 products, aisles and departments (clean) and an orders file without a header: 2 of
   * 1,657 records, but 2 of 2 orders.
   */
  private Path input() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    for (String f : List.of("departments.csv", "aisles.csv", "products.csv")) {
      Files.copy(SAMPLE.resolve(f), input.resolve(f));
    }
    Files.copy(BAD.resolve("23-missing-header.orders.csv"), input.resolve("orders.csv"));
    return input;
  }

  @Test
  public void byDefaultOneDatasetOverFivePercentFailsTheRunThoughTheRunAsAWholeIsFarBelow()
      throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Outcome r =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input(),
            "--lake=" + lake.toUri(),
            "--zones=raw,clean");
    assertNotEquals(r.output, 0, r.code);
    assertThat(
        r.output,
        containsString(
            "reject budget exceeded (--maxRejectRatio=0.05, 5.00 % per dataset): orders 2 of 2 rejected (100.00 %)"));
    JsonNode manifest = manifest(lake);
    assertEquals("FAILED", manifest.get("status").asText());
    assertThat(manifest.get("failure").asText(), containsString("reject budget exceeded"));
    assertEquals(2, Lake.read(lake.resolve("clean/_rejected")).size());
    assertFalse("no clean data published", Files.exists(lake.resolve("clean/products")));
    try (Stream<Path> s = Files.list(lake.resolve("clean"))) {
      assertEquals(
          "only the rejects in clean, no staging left",
          List.of("_rejected"),
          s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  public void withinTheBudgetTheRunPublishes() throws Exception {
    Path input = tmp.newFolder("input").toPath();
    // 1 of 22 departments rejected: 4.5 %, inside the default 5 %
    Files.writeString(
        input.resolve("departments.csv"),
        Files.readString(SAMPLE.resolve("departments.csv")) + "not-a-number,bakery\n");
    Path lake = tmp.newFolder("lake").toPath();
    Outcome r =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--zones=raw,clean");
    assertEquals(r.output, 0, r.code);
    JsonNode m = manifest(lake);
    assertEquals("SUCCEEDED", m.get("status").asText());
    // the manifest says which build made the run and how long its stage took
    assertEquals(BuildInfo.current().commit(), m.get("lakebeam").get("commit").asText());
    assertEquals("0.1.0-SNAPSHOT", m.get("lakebeam").get("version").asText());
    assertTrue(m.get("stage_seconds").get("raw_clean").asDouble() > 0);
    assertFalse(m.get("stage_seconds").has("curated_consumption"));
    assertEquals(21, Lake.read(lake.resolve("clean/departments")).size());
    assertEquals(1, Lake.read(lake.resolve("clean/_rejected")).size());
  }

  @Test
  public void theEmrProfileIsStricterAndOneTurnsTheBudgetOff() throws Exception {
    assertEquals(
        "0.01",
        new Profiles(List.of(Path.of("..", "runner-profiles")))
            .load("emr-backfill")
            .options()
            .get("maxRejectRatio"));
    Path lake = tmp.newFolder("lake").toPath();
    Outcome r =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input(),
            "--lake=" + lake.toUri(),
            "--zones=raw,clean",
            "--maxRejectRatio=1");
    assertEquals(r.output, 0, r.code);
    assertEquals(1500, Lake.read(lake.resolve("clean/products")).size());
  }

  @Test
  public void aRatioOutsideZeroToOneIsAUsageError() throws Exception {
    Outcome r =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input(),
            "--lake=" + tmp.newFolder("lake").toURI(),
            "--maxRejectRatio=5");
    assertEquals(r.output, 2, r.code);
    assertThat(
        r.output, containsString("--maxRejectRatio takes a share of the records from 0 to 1"));
  }

  record Outcome(int code, String output) {}

  static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(args);
    return new Outcome(code, out.toString(StandardCharsets.UTF_8));
  }

  private static JsonNode manifest(Path lake) throws Exception {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      return new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
  }
}
