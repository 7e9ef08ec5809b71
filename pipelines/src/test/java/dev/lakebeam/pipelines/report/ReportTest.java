package dev.lakebeam.pipelines.report;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code lakebeam report} on a small lake (a generated set with bad lines and a hostile department
 * name, backfilled through every zone, then curated and consumption again: two manifests), opened
 * in a real headless Chromium with no network: the scripts ran without errors, every chart has
 * marks, the six sections are there, the rejects are the injected ones, the total revenue and the
 * number of runs equal what the lake holds, names are escaped, and nothing is fetched from
 * anywhere.
 */
public class ReportTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  /** A department name that is markup if not escaped. */
  static final String HOSTILE = "produce <i>&</i> \"fresh\"";

  private static Path lake;
  private static Path html;
  private static String page;
  private static String dom;

  @BeforeClass
  public static void buildLakeAndReport() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 300, 11L, 150, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path files = gen.resolve("files");
    Path departments = files.resolve("departments.csv");
    String before = Files.readString(departments);
    String after =
        before.replace("\n4,produce\n", "\n4,\"" + HOSTILE.replace("\"", "\"\"") + "\"\n");
    assertFalse("department 4 is produce in the generated set", before.equals(after));
    Files.writeString(departments, after);
    // An order line of an order that does not exist, and one whose order id is not a number.
    Files.writeString(
        files.resolve("order_products__prior.csv"),
        "99999999,1,1,0\nabc,1,2,0\n",
        StandardOpenOption.APPEND);
    lake = TMP.newFolder("lake").toPath();
    // Two runs (two manifests) for the price of one through all four zones: the same two Flink
    // jobs.
    BackfillRuns.ok(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--input=" + files,
        "--lake=" + lake.toUri(),
        "--zones=raw,clean",
        "--maxRejectRatio=1");
    BackfillRuns.ok(
        "backfill",
        "--profile=local",
        "--parallelism=2",
        "--lake=" + lake.toUri(),
        "--zones=curated,consumption");
    Path out = TMP.newFolder("report").toPath();
    String said = BackfillRuns.ok("report", "--lake=" + lake.toUri(), "--out=" + out);
    html = out.resolve("index.html");
    assertThat(said, containsString("report: wrote " + html.toAbsolutePath() + " (6 sections)"));
    page = Files.readString(html);
    dom = chromium(List.of("--dump-dom", html.toUri().toString()));
  }

  @Test
  public void theScriptRanWithoutErrors() {
    assertTrue(
        "body[data-ready] set by the page's script:\n" + head(dom),
        Pattern.compile("<body[^>]*\\sdata-ready=\"1\"").matcher(dom).find());
    assertFalse(
        "script errors: " + head(dom),
        Pattern.compile("<body[^>]*\\sdata-errors=").matcher(dom).find());
    // The script made every table sortable.
    assertThat(dom, containsString("<th title=\"click to sort by this column\">run</th>"));
  }

  @Test
  public void sixSectionsEachWithAHeadingAndWhatItShows() {
    for (String id : List.of("sales", "products", "segments", "predictions", "quality", "runs")) {
      assertTrue(
          id,
          Pattern.compile(
                  "<section id=\"" + id + "\">\\s*<h2>[^<]+</h2>\\s*<p class=\"what\">[^<]+</p>")
              .matcher(dom)
              .find());
    }
    assertThat(dom, not(containsString("no data yet")));
  }

  @Test
  public void everyChartHasMarks() {
    Matcher svg =
        Pattern.compile("<svg class=\"chart\" id=\"([^\"]+)\".*?</svg>", Pattern.DOTALL)
            .matcher(dom);
    List<String> charts = new ArrayList<>();
    while (svg.find()) {
      charts.add(svg.group(1));
      Matcher mark =
          Pattern.compile("<(rect|polyline|path|circle) class=\"mark\"[^>]* data-value=\"[0-9.]+\"")
              .matcher(svg.group());
      assertTrue(svg.group(1) + " has no marks", mark.find());
    }
    assertEquals(
        List.of(
            "chart-sales",
            "chart-segments",
            "chart-predictions",
            "chart-rejects",
            "chart-durations"),
        charts);
  }

  @Test
  public void rejectsAreTheInjectedLinesByReason() {
    String quality = section("quality");
    assertThat(quality, containsString("<b>2</b> rejects in 2 runs (1 with rejects)"));
    // By clean dataset (order_lines, read from order_products__*.csv), with their share of the
    // lines read.
    String share = "<td class=\"num\">1</td><td class=\"num\">&lt; 0.1 %</td>";
    assertThat(quality, containsString("<td>order_lines</td><td>UNKNOWN_REFERENCE</td>" + share));
    assertThat(quality, containsString("<td>order_lines</td><td>WRONG_TYPE</td>" + share));
    assertThat(section("runs"), containsString("<b id=\"run-count\">2</b> runs, 2 succeeded"));
  }

  @Test
  public void totalRevenueIsTheLakes() throws Exception {
    BigDecimal total = BigDecimal.ZERO;
    for (GenericRecord r :
        Lake.read(lake.resolve("consumption").resolve("daily_department_sales"))) {
      if (r.get("revenue") != null) {
        total = total.add((BigDecimal) r.get("revenue"));
      }
    }
    String money = String.format(Locale.ROOT, "$%,.2f", total.setScale(2, RoundingMode.HALF_UP));
    assertThat(section("sales"), containsString("<b id=\"total-revenue\">" + money + "</b>"));
    // The predictions carry the shipped model's version, whose recorded quality is shown.
    assertThat(section("predictions"), containsString("model reorder-lr-v1"));
    assertThat(section("predictions"), containsString("<td>holdout</td>"));
  }

  @Test
  public void namesAreEscaped() {
    assertThat(page, containsString("produce &lt;i&gt;&amp;&lt;/i&gt; &quot;fresh&quot;"));
    assertThat(dom, containsString(">produce &lt;i&gt;&amp;&lt;/i&gt; \"fresh\"<"));
    assertThat("the name became markup", dom, not(containsString("<i>&amp;</i> \"fresh\"")));
  }

  @Test
  public void nothingIsFetched() {
    Matcher remote =
        Pattern.compile("(?i)\\b(src|href|xlink:href|action)\\s*=\\s*[\"']?\\s*(https?:|//)")
            .matcher(page);
    if (remote.find()) {
      fail("a remote reference in the page: " + remote.group());
    }
    for (String s :
        List.of(
            "<link", "<img", "<iframe", "<script src", "@import", "url(", "http://", "https://")) {
      assertThat(page, not(containsString(s)));
    }
  }

  @Test
  public void aScreenshotIsTaken() throws Exception {
    Path png = Path.of("target", "report-test.png").toAbsolutePath();
    Files.deleteIfExists(png);
    chromium(
        List.of(
            "--screenshot=" + png,
            "--window-size=1280,4000",
            "--hide-scrollbars",
            html.toUri().toString()));
    assertTrue(png + " written", Files.isRegularFile(png));
    assertThat(
        "a screenshot with content, not a blank page", Files.size(png), greaterThan(20_000L));
  }

  @Test
  public void aLakeWithoutConsumptionSaysSoInEachSectionAndTablesSortOnAClick() throws Exception {
    Path none = TMP.newFolder("no-consumption").toPath();
    Path out = TMP.newFolder("report-empty").toPath();
    BackfillRuns.ok(
        "report",
        "--lake=" + lake.toUri(),
        "--curatedZone=" + none.resolve("curated").toUri(),
        "--consumptionZone=" + none.resolve("consumption").toUri(),
        "--out=" + out);
    String empty = Files.readString(out.resolve("index.html"));
    assertEquals(
        4,
        Pattern.compile("no data yet: run backfill with --zones=curated,consumption")
            .matcher(empty)
            .results()
            .count());
    // The page plus a click on the run history's first header: newest first becomes oldest first.
    Path clicked = out.resolve("clicked.html");
    Files.writeString(
        clicked,
        empty.replace(
            "</body>",
            "<script>document.querySelector('#runs-table th').click();</script></body>"));
    String shown = chromium(List.of("--dump-dom", clicked.toUri().toString()));
    assertTrue(Pattern.compile("<body[^>]*\\sdata-ready=\"1\"").matcher(shown).find());
    assertFalse(Pattern.compile("<body[^>]*\\sdata-errors=").matcher(shown).find());
    List<String> runs;
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      runs = s.map(p -> p.getFileName().toString().replace(".json", "")).sorted().toList();
    }
    assertEquals(2, runs.size());
    String table = shown.substring(shown.indexOf("id=\"runs-table\""));
    assertThat(table, containsString("aria-sort=\"ascending\">run</th>"));
    assertTrue(
        table,
        table.indexOf("<tr><td>" + runs.get(0) + "</td>")
            < table.indexOf("<tr><td>" + runs.get(1) + "</td>"));
    assertTrue(
        empty,
        empty.indexOf("<tr><td>" + runs.get(0) + "</td>")
            > empty.indexOf("<tr><td>" + runs.get(1) + "</td>"));
  }

  @Test
  public void usageErrorsExit2() throws Exception {
    BackfillRuns.Outcome s3 =
        BackfillRuns.run(
            "report", "--lake=s3://bucket/lake", "--out=" + TMP.newFolder("s3").toPath());
    assertEquals(s3.output(), 2, s3.code());
    assertThat(s3.output(), containsString("report reads a lake on this machine"));
    Path file = TMP.newFile("not-a-folder").toPath();
    BackfillRuns.Outcome out =
        BackfillRuns.run("report", "--lake=" + lake.toUri(), "--out=" + file);
    assertEquals(out.output(), 2, out.code());
    assertThat(out.output(), containsString("--out must be a folder"));
    BackfillRuns.Outcome noLake =
        BackfillRuns.run(
            "report",
            "--lake=" + TMP.newFolder("nothing").toPath().toUri(),
            "--out=" + TMP.newFolder("nothing-out").toPath());
    assertEquals(noLake.output(), 2, noLake.code());
    assertThat(noLake.output(), containsString("no lake here"));
  }

  /** One section of the rendered page. */
  private static String section(String id) {
    int start = dom.indexOf("<section id=\"" + id + "\">");
    assertTrue(id, start >= 0);
    return dom.substring(start, dom.indexOf("</section>", start));
  }

  private static String head(String s) {
    return s.substring(0, Math.min(2000, s.length()));
  }

  /**
   * Runs headless Chromium with no network and its own profile folder; returns what it printed (the
   * DOM for --dump-dom). Fails, naming the package, when Chromium is not installed.
   */
  static String chromium(List<String> args) throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(
          CHROMIUM
              + " is missing: the report test needs a real browser; install the Debian package 'chromium'"
              + " (apt-get install -y chromium; .ci/run does)");
    }
    Path profile = Files.createTempDirectory(TMP.getRoot().toPath(), "chromium-profile");
    Path stdout = Files.createTempFile(TMP.getRoot().toPath(), "chromium", ".out");
    Path stderr = Files.createTempFile(TMP.getRoot().toPath(), "chromium", ".err");
    List<String> command =
        new ArrayList<>(
            List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile));
    command.addAll(args);
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        fail("Chromium did not finish in 90 s: " + command + "\n" + Files.readString(stderr));
      }
    } finally {
      if (p.isAlive()) {
        try (Stream<ProcessHandle> children = p.descendants()) {
          children.forEach(ProcessHandle::destroyForcibly);
        }
        p.destroyForcibly();
      }
    }
    assertEquals("Chromium " + command + ":\n" + Files.readString(stderr), 0, p.exitValue());
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}
