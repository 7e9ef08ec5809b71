package dev.lakebeam.pipelines.report;

import static dev.lakebeam.pipelines.report.Html.count;
import static dev.lakebeam.pipelines.report.Html.esc;

import dev.lakebeam.pipelines.report.Html.Cell;
import dev.lakebeam.pipelines.report.Html.Col;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The sections read from the run manifests: data quality (rejects) and the run history. */
final class RunSections {
  private RunSections() {}

  static String quality(Manifests.Runs all) {
    String[] c = Sections.CONTENTS.get(4);
    String what =
        "Records the clean stage rejected, by clean dataset and reason, per run (the latest "
            + Sections.CHART_RUNS
            + " runs), from the run manifests in the lake's _manifests folder.";
    List<Manifests.Run> runs = all.runs();
    if (runs.isEmpty()) {
      return Sections.noRuns(c[0], c[1], what);
    }
    long total = runs.stream().mapToLong(Manifests.Run::rejects).sum();
    long withRejects = runs.stream().filter(r -> r.rejects() > 0).count();
    StringBuilder b = new StringBuilder();
    if (total == 0) {
      b.append(Html.p("figure", "no rejects in " + runs(runs.size())));
    } else {
      b.append("<p class=\"figure\"><b>")
          .append(esc(count(total)))
          .append("</b> rejects in ")
          .append(esc(runs(runs.size())))
          .append(" (")
          .append(withRejects)
          .append(" with rejects)</p>\n");
      List<Manifests.Run> latest = Sections.latest(runs);
      TreeSet<String> keys = new TreeSet<>();
      latest.forEach(
          r ->
              r.rejectsByReason()
                  .forEach((d, m) -> m.forEach((reason, n) -> keys.add(d + " / " + reason))));
      Map<String, double[]> layers = new LinkedHashMap<>();
      keys.forEach(k -> layers.put(k, new double[latest.size()]));
      List<List<?>> rows = new ArrayList<>();
      for (int i = 0; i < latest.size(); i++) {
        Manifests.Run r = latest.get(i);
        for (Map.Entry<String, Map<String, Long>> d : r.rejectsByReason().entrySet()) {
          long in = recordsIn(r, d.getKey());
          for (Map.Entry<String, Long> e : d.getValue().entrySet()) {
            layers.get(d.getKey() + " / " + e.getKey())[i] = e.getValue();
            rows.add(
                List.of(
                    Cell.titled(r.runId(), Sections.started(r)),
                    d.getKey(),
                    e.getKey(),
                    count(e.getValue()),
                    in > 0 ? Html.percent((double) e.getValue() / in) : "",
                    meaning(e.getKey())));
          }
        }
      }
      Map<String, String> colors = SvgCharts.colors(new ArrayList<>(keys));
      b.append(
          SvgCharts.stacked(
              "chart-rejects",
              "rejects per run by dataset and reason",
              latest.stream().map(Sections::label).toList(),
              layers,
              colors,
              v -> count(Math.round(v))));
      b.append(SvgCharts.legend(colors));
      b.append(
          Html.table(
              "rejects-table",
              List.of(
                  Col.text("run"),
                  Col.text("dataset"),
                  Col.text("reason"),
                  Col.num("rejects"),
                  Col.num("of the records read"),
                  Col.text("what the reason means")),
              rows));
    }
    Manifests.Run read = null;
    for (Manifests.Run r : runs) {
      if (!r.counts().isEmpty()) {
        read = r;
      }
    }
    if (read != null) {
      b.append("<h3>The latest run that read sources (")
          .append(esc(read.runId()))
          .append("), per dataset</h3>\n");
      List<List<?>> rows = new ArrayList<>();
      read.counts()
          .forEach(
              (d, m) ->
                  rows.add(
                      List.of(
                          d,
                          count(m.getOrDefault("in", 0L)),
                          count(m.getOrDefault("clean", 0L)),
                          count(m.getOrDefault("rejected", 0L)),
                          count(m.getOrDefault("duplicates", 0L)),
                          count(m.getOrDefault("skipped", 0L)))));
      b.append(
          Html.table(
              "latest-counts",
              List.of(
                  Col.text("dataset"),
                  Col.num("in"),
                  Col.num("clean"),
                  Col.num("rejected"),
                  Col.num("duplicates"),
                  Col.num("skipped")),
              rows));
    }
    return Html.section(c[0], c[1], what, b.toString());
  }

  static String history(Manifests.Runs all) {
    String[] c = Sections.CONTENTS.get(5);
    String what =
        "Every run the manifests record, newest first: what it read, kept and rejected, and how long it took;"
            + " the chart shows the latest "
            + Sections.CHART_RUNS
            + " runs' wall time by stage.";
    List<Manifests.Run> runs = all.runs();
    if (runs.isEmpty()) {
      return Sections.noRuns(c[0], c[1], what);
    }
    StringBuilder b =
        new StringBuilder("<p class=\"figure\"><b id=\"run-count\">")
            .append(runs.size())
            .append("</b> ")
            .append(runs.size() == 1 ? "run" : "runs")
            .append(", ")
            .append(runs.stream().filter(r -> r.status().equals("SUCCEEDED")).count())
            .append(" succeeded")
            .append(
                all.unreadable() > 0
                    ? "; " + all.unreadable() + " .json files in _manifests are not manifests"
                    : "")
            .append("</p>\n");
    List<Manifests.Run> latest = Sections.latest(runs);
    LinkedHashSet<String> stages = new LinkedHashSet<>(); // in the order the runs went through them
    latest.forEach(r -> stages.addAll(r.stageSeconds().keySet()));
    String rest = "rest (start-up, planning, manifest)";
    Map<String, double[]> layers = new LinkedHashMap<>();
    stages.forEach(s -> layers.put(s, new double[latest.size()]));
    layers.put(rest, new double[latest.size()]);
    for (int i = 0; i < latest.size(); i++) {
      Manifests.Run r = latest.get(i);
      double staged = 0;
      for (Map.Entry<String, Double> s : r.stageSeconds().entrySet()) {
        layers.get(s.getKey())[i] = s.getValue();
        staged += s.getValue();
      }
      Double wall = r.seconds();
      layers.get(rest)[i] = wall == null ? 0 : Math.max(0, Math.round((wall - staged) * 10) / 10.0);
    }
    Map<String, String> colors = SvgCharts.colors(new ArrayList<>(layers.keySet()));
    b.append(
        SvgCharts.stacked(
            "chart-durations",
            "run durations by stage",
            latest.stream().map(Sections::label).toList(),
            layers,
            colors,
            Html::seconds));
    b.append(SvgCharts.legend(colors));
    List<List<?>> rows = new ArrayList<>();
    for (int i = runs.size() - 1; i >= 0; i--) {
      Manifests.Run r = runs.get(i);
      List<String> stageText = new ArrayList<>();
      r.stageSeconds().forEach((s, v) -> stageText.add(s + " " + Html.seconds(v)));
      rows.add(
          List.of(
              r.runId(),
              Cell.titled(
                  r.command()
                      + (r.zones().isEmpty() ? "" : " (" + String.join(", ", r.zones()) + ")"),
                  String.join(" ", r.commandLine())),
              r.status(),
              Sections.started(r),
              r.seconds() == null
                  ? ""
                  : Cell.sorted(Html.seconds(r.seconds()), String.valueOf(r.seconds())),
              count(r.total("in")),
              count(r.total("clean")),
              count(r.total("rejected")),
              count(r.total("duplicates")),
              String.join(", ", stageText),
              r.version() + " (" + r.commit() + ")"));
    }
    b.append(
        Html.table(
            "runs-table",
            List.of(
                Col.text("run"),
                Col.text("command (zones)"),
                Col.text("status"),
                Col.text("started (UTC)"),
                Col.num("duration"),
                Col.num("records in"),
                Col.num("clean"),
                Col.num("rejected"),
                Col.num("duplicates"),
                Col.text("stage seconds"),
                Col.text("lakebeam")),
            rows));
    return Html.section(c[0], c[1], what, b.toString());
  }

  /**
   * The records a run read for a clean dataset: its sources' (products: products.csv and
   * product_prices.csv).
   */
  private static long recordsIn(Manifests.Run r, String cleanDataset) {
    long in = 0;
    for (SourceDataset s : SourceDataset.values()) {
      if (s.target().datasetName().equals(cleanDataset)) {
        in += r.counts().getOrDefault(s.sourceName(), Map.of()).getOrDefault("in", 0L);
      }
    }
    return in;
  }

  private static String runs(int n) {
    return n == 1 ? "1 run" : count(n) + " runs";
  }

  private static String meaning(String reason) {
    try {
      return RejectReason.valueOf(reason).description();
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}
