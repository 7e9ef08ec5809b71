package dev.lakebeam.tools.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.KinesisHarness;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * bench-stream works end to end at a tiny scale against the Kinesis emulator (no figure is
 * asserted: performance is measured by running it, never by a test): every order put reached clean
 * with its lines and was counted in department_sales_1m, and the report has every measure.
 */
public class BenchStreamTest {
  @ClassRule public static final KinesisHarness KINESIS = new KinesisHarness();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static Object[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(args);
    return new Object[] {
      code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
    };
  }

  @Test
  public void benchStreamMeasuresEveryOrderThroughToCleanAndDepartmentSales() throws Exception {
    Path work = tmp.newFolder("work").toPath();
    Path report = work.resolve("report.md");
    List<String> args =
        new ArrayList<>(
            List.of(
                "bench-stream",
                "--streamOrders=60",
                "--eventsPerSecond=10",
                "--seed=5",
                "--workDir=" + work,
                "--report=" + report,
                "--catchUpSeconds=240"));
    args.addAll(KINESIS.beamOptions());
    Object[] r = run(args.toArray(String[]::new));
    String text = (String) r[1];
    assertEquals(text + r[2], 0, r[0]);
    long lines = 0;
    int withLines = 0;
    for (String l :
        Files.readAllLines(
            work.resolve("stream-data-60-5").resolve("kinesis").resolve("orders.jsonl"))) {
      if (!l.isBlank()) {
        int n = new ObjectMapper().readTree(l).get("lines").size();
        lines += n;
        withLines += n > 0 ? 1 : 0;
      }
    }
    assertTrue("orders with lines", withLines > 50);
    assertThat(
        text,
        containsString(
            String.format(
                Locale.ROOT,
                "| orders / lines in clean at the end | 60 / %,d of 60 / %,d |",
                lines,
                lines)));
    assertThat(
        text,
        containsString(
            "| orders counted in department_sales_1m | "
                + withLines
                + " of "
                + withLines
                + " (the orders with lines) |"));
    assertTrue(
        text,
        text.lines()
            .anyMatch(l -> l.matches("\\| Kinesis put ceiling .* \\| [\\d,]+ events/s \\|")));
    assertTrue(
        text,
        text.lines().anyMatch(l -> l.matches("\\| put rate achieved \\| \\d+\\.\\d events/s \\|")));
    assertTrue(
        text,
        text.lines()
            .anyMatch(
                l ->
                    l.matches(
                        "\\| freshness, put → counted in department_sales_1m: p50 / p90 / p99 / max \\| (\\d+\\.\\d / ){3}\\d+\\.\\d s \\|")));
    assertEquals(
        Files.readString(report).trim(),
        text.substring(0, text.indexOf("bench-stream: appended")).trim());
  }

  @Test
  public void badOptionsAreUsageErrors() {
    for (String bad : List.of("--eventsPerSecond=0", "--streamOrders=-1", "--benchShards=0")) {
      Object[] r = run("bench-stream", bad);
      assertEquals(bad + ": " + r[2], 2, r[0]);
      assertThat((String) r[2], containsString("must be at least 1"));
    }
  }
}
