package dev.lakebeam.tools.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.testing.Lake;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * bench works end to end at a tiny scale (the figures themselves are not asserted: performance is
 * measured by running bench, never by a test): every stage ran in its own JVM and reported its
 * time, the lower bound wrote every valid order line, the report was appended.
 */
public class BenchTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void benchMeasuresEveryStageAndTheLowerBound() throws Exception {
    Path work = tmp.newFolder("work").toPath();
    Path report = work.resolve("report.md");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run(
                "bench",
                "--orders=200",
                "--seed=5",
                "--profiles=local",
                "--workDir=" + work,
                "--report=" + report,
                "--heap=768m");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(text + err.toString(StandardCharsets.UTF_8), 0, code);
    long lines = 0;
    for (String f : List.of("order_products__prior.csv", "order_products__train.csv")) {
      lines +=
          Files.readAllLines(work.resolve("data-200-5").resolve("files").resolve(f)).size() - 1;
    }
    assertThat(text, containsString(String.format(Locale.ROOT, "%,d order lines.", lines)));
    assertThat(text, containsString("Heap of each JVM: -Xmx768m; collector: -XX:+UseParallelGC."));
    for (String stage : List.of("backfill raw+clean", "backfill curated", "backfill consumption")) {
      assertThat(text, containsString("| " + stage + " | local | "));
    }
    assertThat(text, containsString("| lower bound: order lines parse+validate+Parquet | - | "));
    // the floor runs fail the bench unless they counted every order line; here they are reported
    for (String floor :
        List.of(
            "runner floor: read order lines (TextIO, count)",
            "runner floor: read, one shuffle by order",
            "runner floor: parsed into blocks, one shuffle of blocks by order bucket")) {
      assertThat(text, containsString("| " + floor + " | local | "));
    }
    assertHasLine(
        text,
        "Runner floor \\(each line an element, one shuffle, no cleaning\\) on local: \\d+\\.\\d % of"
            + " the lower bound's lines/s\\.");
    assertHasLine(
        text,
        "Runner floor in blocks \\(.*\\) on local: \\d+\\.\\d % of the lower bound's lines/s .*");
    assertHasLine(
        text,
        "Clean stage \\(raw\\+clean\\) on local: \\d+\\.\\d % of the lower bound's lines/s\\.");
    assertThat(
        text.lines()
            .filter(l -> l.startsWith("Backfill end to end on local:"))
            .findFirst()
            .orElse(""),
        matchesPattern("Backfill end to end on local: \\d+\\.\\d s \\([\\d,]+ lines/s\\)\\."));
    assertEquals(lines, Lake.readFile(work.resolve("lower-bound.parquet")).size());
    assertTrue(
        Files.isDirectory(
            work.resolve("lake-local").resolve("consumption").resolve("daily_department_sales")));
    assertEquals(
        Files.readString(report).trim(), text.substring(0, text.indexOf("bench: appended")).trim());
  }

  @Test
  public void aHeapThatJavaWouldNotTakeIsRefusedBeforeAnythingRuns() throws Exception {
    Path work = tmp.newFolder("bad").toPath();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run("bench", "--orders=10", "--profiles=local", "--workDir=" + work, "--heap=1 GB");
    assertEquals(2, code);
    assertThat(
        err.toString(StandardCharsets.UTF_8),
        containsString("--heap must be a size such as 1g or 1536m"));
    try (Stream<Path> left = Files.list(work)) {
      assertEquals("nothing generated", 0, left.count());
    }
  }

  @Test
  public void everyMeasuredJvmGetsTheHeapAndTheCollector() {
    assertEquals(List.of("-Xmx1g", "-XX:+UseParallelGC"), Bench.jvmFlags("1g", "parallel"));
    assertEquals(List.of("-XX:+UseG1GC"), Bench.jvmFlags(null, "g1"));
    assertEquals(List.of("-Xmx768m"), Bench.jvmFlags("768m", "default"));
  }

  @Test
  public void anUnknownCollectorIsRefusedBeforeAnythingRuns() throws Exception {
    Path work = tmp.newFolder("badgc").toPath();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Main(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Profiles(List.of(Path.of("..", "runner-profiles"))))
            .run("bench", "--orders=10", "--profiles=local", "--workDir=" + work, "--gc=zgc");
    assertEquals(2, code);
    assertThat(
        err.toString(StandardCharsets.UTF_8),
        containsString("--gc must be one of [default, g1, parallel], was 'zgc'"));
    try (Stream<Path> left = Files.list(work)) {
      assertEquals("nothing generated", 0, left.count());
    }
  }

  /** Some line of {@code text} matches {@code regex} as a whole. */
  private static void assertHasLine(String text, String regex) {
    assertTrue(regex + " in:\n" + text, text.lines().anyMatch(l -> l.matches(regex)));
  }
}
