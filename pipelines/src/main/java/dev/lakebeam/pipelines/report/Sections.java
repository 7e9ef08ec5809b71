package dev.lakebeam.pipelines.report;

import static dev.lakebeam.pipelines.report.Html.count;
import static dev.lakebeam.pipelines.report.Html.decimal;
import static dev.lakebeam.pipelines.report.Html.esc;
import static dev.lakebeam.pipelines.report.Html.money;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakebeam.pipelines.report.Html.Cell;
import dev.lakebeam.pipelines.report.Html.Col;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The HTML of the report's six sections, from the lake's figures and the run manifests. */
final class Sections {
  private Sections() {}

  /** The ids and headings of the sections, in page order. */
  static final List<String[]> CONTENTS =
      List.of(
          new String[] {"sales", "Daily department sales"},
          new String[] {"products", "Top products per department"},
          new String[] {"segments", "RFM segments"},
          new String[] {"predictions", "Reorder predictions"},
          new String[] {"quality", "Data quality"},
          new String[] {"runs", "Run history"});

  /** Runs drawn in the rejects and durations charts: the latest ones. */
  static final int CHART_RUNS = 20;

  private static final DateTimeFormatter STARTED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SHORT =
      DateTimeFormatter.ofPattern("MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  static String noData(String what) {
    return Html.p("empty", "no data yet: " + what);
  }

  private static String wholeDollars(double v) {
    return "$" + count(Math.round(v));
  }

  static String sales(LakeFigures.Sales s) {
    String[] c = CONTENTS.get(0);
    if (s == null) {
      return Html.section(
          c[0],
          c[1],
          "Revenue over time per department, from consumption_daily_department_sales.",
          noData(
              "run backfill with --zones=curated,consumption (consumption_daily_department_sales is empty)"));
    }
    long days = ChronoUnit.DAYS.between(s.first(), s.last()) + 1;
    String per =
        switch (s.bucket()) {
          case "week" ->
              "week (7-day periods ending on "
                  + s.last()
                  + ", dated by their first day; the data spans "
                  + count(days)
                  + " days)";
          case "month" -> "month (the data spans " + count(days) + " days)";
          default -> "day";
        };
    String what =
        "Revenue per "
            + per
            + " of the "
            + Math.min(LakeFigures.TOP_DEPARTMENTS, s.series().size())
            + " departments with the most revenue"
            + (s.series().containsKey("other") ? ", the others summed as \"other\"" : "")
            + ", from consumption_daily_department_sales.";
    String figure =
        "<p class=\"figure\">Total revenue <b id=\"total-revenue\">"
            + esc(money(s.revenue()))
            + "</b> · "
            + esc(count(s.items()))
            + " items · "
            + s.departments()
            + " departments · "
            + s.first()
            + " to "
            + s.last()
            + " ("
            + esc(count(days))
            + " days)</p>\n";
    List<String> x =
        s.x().stream()
            .map(d -> s.bucket().equals("month") ? d.toString().substring(0, 7) : d.toString())
            .toList();
    Map<String, String> colors = SvgCharts.colors(new ArrayList<>(s.series().keySet()));
    String chart =
        SvgCharts.line(
            "chart-sales",
            "revenue per " + s.bucket() + " and department",
            x,
            s.series(),
            colors,
            Sections::wholeDollars);
    return Html.section(c[0], c[1], what, figure + chart + SvgCharts.legend(colors));
  }

  static String products(List<LakeFigures.Product> products) {
    String[] c = CONTENTS.get(1);
    String what =
        "The "
            + LakeFigures.TOP_PRODUCTS
            + " best-selling products of each department by units, with their revenue and"
            + " reorder rate (the share of their order lines that were reorders), from consumption_product_performance;"
            + " departments by revenue, the first "
            + LakeFigures.TOP_DEPARTMENTS
            + " open.";
    if (products == null) {
      return Html.section(
          c[0],
          c[1],
          what,
          noData(
              "run backfill with --zones=curated,consumption (consumption_product_performance is empty)"));
    }
    Map<String, List<List<?>>> byDepartment = new LinkedHashMap<>();
    for (LakeFigures.Product p : products) {
      byDepartment
          .computeIfAbsent(p.department(), k -> new ArrayList<>())
          .add(
              List.of(
                  String.valueOf(p.rank()),
                  p.name() == null ? "" : p.name(),
                  count(p.units()),
                  p.revenue() == null
                      ? Cell.titled("n/a", "the product has no price")
                      : money(p.revenue()),
                  Cell.bar(Html.percent(p.reorderRate()), p.reorderRate())));
    }
    List<Col> cols =
        List.of(
            Col.num("#"),
            Col.text("product"),
            Col.num("units"),
            Col.num("revenue"),
            Col.text("reorder rate"));
    StringBuilder b = new StringBuilder("<div class=\"cards\">\n");
    int i = 0;
    for (Map.Entry<String, List<List<?>>> d : byDepartment.entrySet()) {
      // The departments with the most revenue open, the others one click away: the page stays
      // short.
      b.append(
              i < LakeFigures.TOP_DEPARTMENTS
                  ? "<details class=\"card\" open>"
                  : "<details class=\"card\">")
          .append("<summary><b>")
          .append(esc(d.getKey()))
          .append("</b><span class=\"muted\"> · 1. ")
          .append(esc(String.valueOf(d.getValue().get(0).get(1))))
          .append("</span></summary>\n")
          .append(Html.table("products-" + i++, cols, d.getValue()))
          .append("</details>\n");
    }
    return Html.section(c[0], c[1], what, b.append("</div>\n").toString());
  }

  static String segments(List<LakeFigures.Segment> segments) {
    String[] c = CONTENTS.get(2);
    String what =
        "Customers per RFM segment (scored on recency, frequency and monetary value) and each segment's means,"
            + " from consumption_customer_segments.";
    if (segments == null) {
      return Html.section(
          c[0],
          c[1],
          what,
          noData(
              "run backfill with --zones=curated,consumption (consumption_customer_segments is empty)"));
    }
    long all = segments.stream().mapToLong(LakeFigures.Segment::size).sum();
    List<String> names = segments.stream().map(LakeFigures.Segment::name).toList();
    double[] sizes = segments.stream().mapToDouble(LakeFigures.Segment::size).toArray();
    Map<String, double[]> layer = Map.of("customers", sizes);
    String chart =
        SvgCharts.stacked(
            "chart-segments",
            "customers per segment",
            names,
            layer,
            Map.of("customers", SvgCharts.color(0)),
            v -> count(Math.round(v)));
    List<List<?>> rows = new ArrayList<>();
    for (LakeFigures.Segment s : segments) {
      rows.add(
          List.of(
              s.name(),
              count(s.size()),
              Html.percent((double) s.size() / all),
              decimal(s.recency(), 1),
              decimal(s.frequency(), 1),
              money(s.monetary())));
    }
    String table =
        Html.table(
            "segments-table",
            List.of(
                Col.text("segment"),
                Col.num("customers"),
                Col.num("share"),
                Col.num("mean recency (days)"),
                Col.num("mean frequency (orders)"),
                Col.num("mean monetary (USD)")),
            rows);
    return Html.section(
        c[0],
        c[1],
        what,
        "<p class=\"figure\"><b>"
            + esc(count(all))
            + "</b> customers in "
            + segments.size()
            + " segments</p>\n"
            + chart
            + table);
  }

  static String predictions(LakeFigures.Predictions p, Map<String, Models.Model> models) {
    String[] c = CONTENTS.get(3);
    String what =
        "How likely the reorder model finds each predicted reorder (the top products per user), from"
            + " consumption_reorder_predictions, and the model's quality as recorded when it was trained.";
    if (p == null) {
      return Html.section(
          c[0],
          c[1],
          what,
          noData(
              "run backfill with --zones=curated,consumption (consumption_reorder_predictions is empty)"));
    }
    StringBuilder b =
        new StringBuilder("<p class=\"figure\"><b>")
            .append(esc(count(p.rows())))
            .append("</b> predictions for ")
            .append(esc(count(p.users())))
            .append(" users · model ");
    List<String> versions = new ArrayList<>();
    p.versions()
        .forEach(
            (v, n) ->
                versions.add(v + (p.versions().size() > 1 ? " (" + count(n) + " rows)" : "")));
    b.append(esc(String.join(", ", versions))).append("</p>\n");
    Models.Model main = models.get(p.versions().keySet().iterator().next());
    double threshold = main == null ? Double.NaN : main.threshold();
    b.append(
        SvgCharts.histogram(
            "chart-predictions",
            "predicted probabilities",
            p.bins(),
            threshold,
            "threshold " + decimal(threshold, 2)));
    int i = 0;
    for (String v : p.versions().keySet()) {
      Models.Model m = models.get(v);
      if (m == null || !m.quality().isObject() || m.quality().isEmpty()) {
        b.append(
            Html.p(
                "empty",
                "The quality of model "
                    + v
                    + " is not recorded here: neither the model shipped in this build"
                    + " nor a --reorderModel file named in the run manifests (and still on this machine) has this version."));
        continue;
      }
      b.append(
          Html.p(
              "figure",
              "Model "
                  + v
                  + " ("
                  + m.source()
                  + "): a pair counts as predicted at probability ≥ "
                  + decimal(m.threshold(), 2)
                  + (m.training().has("examples")
                      ? "; trained on "
                          + count(m.training().path("examples").asLong())
                          + " user-product pairs, of which "
                          + count(m.training().path("holdout_examples").asLong())
                          + " were held out"
                      : "")
                  + (m.training().has("trained_at")
                      ? " (" + m.training().path("trained_at").asText() + ")"
                      : "")
                  + "."));
      b.append(
          Html.table(
              "model-quality-" + i++,
              List.of(
                  Col.text("evaluated on"),
                  Col.num("precision"),
                  Col.num("recall"),
                  Col.num("F1"),
                  Col.num("predicted"),
                  Col.num("actual"),
                  Col.num("true positives")),
              qualityRows(m.quality())));
    }
    return Html.section(c[0], c[1], what, b.toString());
  }

  /** The rows of a model's "quality" object: one per evaluation (fit, holdout, the baseline). */
  private static List<List<?>> qualityRows(JsonNode quality) {
    List<List<?>> rows = new ArrayList<>();
    quality
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode n = e.getValue();
              String name =
                  switch (e.getKey()) {
                    case "fit" -> "fit (training pairs)";
                    case "baseline_in_last_order_holdout" ->
                        "baseline on the holdout: \"in the last order\"";
                    default -> e.getKey();
                  };
              rows.add(
                  List.of(
                      name,
                      decimal(n.path("precision").asDouble(), 3),
                      decimal(n.path("recall").asDouble(), 3),
                      decimal(n.path("f1").asDouble(), 3),
                      count(n.path("predicted").asLong()),
                      count(n.path("actual").asLong()),
                      count(n.path("true_positives").asLong())));
            });
    return rows;
  }

  /** A run's label on a chart axis: its start time, short. */
  static String label(Manifests.Run r) {
    return r.started() == null ? r.runId() : SHORT.format(r.started());
  }

  static String started(Manifests.Run r) {
    return r.started() == null ? "?" : STARTED.format(r.started());
  }

  static String noRuns(String id, String heading, String what) {
    return Html.section(
        id,
        heading,
        what,
        Html.p(
            "empty",
            "no data yet: no run manifests in the lake's _manifests folder (run backfill)"));
  }

  static List<Manifests.Run> latest(List<Manifests.Run> runs) {
    return runs.subList(Math.max(0, runs.size() - CHART_RUNS), runs.size());
  }
}
