package dev.lakebeam.pipelines.report;

import dev.lakebeam.pipelines.query.LakeSql;
import dev.lakebeam.schemas.Zone;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code lakebeam report}: a self-contained HTML dashboard of a lake on this machine, in {@code
 * --out}/index.html: sales, top products, RFM segments, reorder predictions (from the consumption
 * tables, through {@link LakeSql}), data quality and run history (from the run manifests). The page
 * loads nothing from anywhere: style, charts (SVG) and script are inline. Bad usage (a lake not on
 * this machine, an --out that is a file) is an IllegalArgumentException.
 */
public final class Report {
  private final String lakeUri;
  private final Function<Zone, String> zoneUri;
  private final Path dir;
  private final String buildLine;
  private final PrintStream out;

  /**
   * @param lakeUri the lake's root URI, whose {@code _manifests} hold the runs
   * @param zoneUri the URI of each zone
   * @param dir the folder to write index.html into
   * @param buildLine the version line of the jar, for the page's subtitle
   */
  public Report(
      String lakeUri, Function<Zone, String> zoneUri, Path dir, String buildLine, PrintStream out) {
    this.lakeUri = lakeUri;
    this.zoneUri = zoneUri;
    this.dir = dir.toAbsolutePath().normalize();
    this.buildLine = buildLine;
    this.out = out;
  }

  public int run() throws IOException, SQLException {
    checkFolder(dir);
    List<String> uris = new ArrayList<>(List.of(lakeUri));
    for (Zone z : List.of(Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION)) {
      uris.add(zoneUri.apply(z));
    }
    for (String uri : uris) {
      if (uri.contains("://") && !uri.startsWith("file:")) {
        throw new IllegalArgumentException(
            "report reads a lake on this machine (file:// or a path), not "
                + uri
                + "; copy the lake here first (aws s3 sync), or query it in Athena");
      }
    }
    Path root = lakeUri.startsWith("file:") ? Path.of(URI.create(lakeUri)) : Path.of(lakeUri);
    Manifests.Runs runs = Manifests.read(root.resolve("_manifests"));
    LakeSql lake = LakeSql.open(zoneUri);
    List<String> sections = new ArrayList<>();
    List<String> empty = new ArrayList<>();
    try (lake) {
      LakeFigures f = new LakeFigures(lake);
      LakeFigures.Sales sales = f.sales();
      List<LakeFigures.Product> products = f.topProducts();
      List<LakeFigures.Segment> segments = f.segments();
      LakeFigures.Predictions predictions = f.predictions();
      Map<String, Models.Model> models = Models.known(runs.runs());
      sections.add(Sections.sales(sales));
      sections.add(Sections.products(products));
      sections.add(Sections.segments(segments));
      sections.add(Sections.predictions(predictions, models));
      sections.add(RunSections.quality(runs));
      sections.add(RunSections.history(runs));
      boolean hasRuns = !runs.runs().isEmpty();
      List<Boolean> has =
          List.of(
              sales != null,
              products != null,
              segments != null,
              predictions != null,
              hasRuns,
              hasRuns);
      for (int i = 0; i < has.size(); i++) {
        if (!has.get(i)) {
          empty.add(Sections.CONTENTS.get(i)[0]);
        }
      }
    }
    String generated =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    String subtitle =
        "Lake "
            + lakeUri
            + " · "
            + runs.runs().size()
            + (runs.runs().size() == 1 ? " run" : " runs")
            + " · generated "
            + generated
            + " UTC by "
            + buildLine;
    String html = Html.page("lakebeam report", subtitle, Sections.CONTENTS, sections);
    Files.createDirectories(dir);
    Path file = dir.resolve("index.html");
    // Written beside and moved into place, so that a browser never opens half a page.
    Path tmp = dir.resolve(".index.html.tmp");
    try {
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    out.printf(Locale.ROOT, "report: wrote %s (%d sections)%n", file, sections.size());
    if (!empty.isEmpty()) {
      out.println("  no data yet in: " + String.join(", ", empty));
    }
    return 0;
  }

  /** Refuses an --out that is a file, or a folder that would have to be made under a file. */
  private static void checkFolder(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--out must be a folder, and " + dir + " is a file");
    }
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new IllegalArgumentException(
          "--out " + dir + " cannot be made: " + existing + " is a file");
    }
  }
}
