package dev.lakebeam.pipelines.report;

import static dev.lakebeam.pipelines.report.Html.esc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Charts as inline SVG, drawn here (no library): a line chart, stacked bars and a histogram. Every
 * chart is an {@code <svg class="chart">} with an id, and each of its marks (a line, a bar) has
 * {@code class="mark"}, a {@code data-value} and a {@code <title>} shown on hover.
 */
final class SvgCharts {
  private SvgCharts() {}

  /** Colours of the series, in order; the last is for "other". */
  static final List<String> PALETTE =
      List.of(
          "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
          "#9c755f", "#8cd17d", "#d37295", "#499894");

  static final String OTHER = "#bab0ac";

  private static final int W = 1100;
  private static final int LEFT = 76;
  private static final int RIGHT = 16;
  private static final int TOP = 14;

  /** The colour of the i-th series. */
  static String color(int i) {
    return PALETTE.get(i % PALETTE.size());
  }

  /** Lines over shared x labels (e.g. dates), one per series; the y axis starts at 0. */
  static String line(
      String id,
      String label,
      List<String> x,
      Map<String, double[]> series,
      Map<String, String> colors,
      DoubleFunction<String> yFormat) {
    int h = 340;
    int bottom = 34;
    double max = 0;
    for (double[] v : series.values()) {
      for (double d : v) {
        max = Math.max(max, d);
      }
    }
    StringBuilder b = open(id, label, h);
    double top = yAxis(b, max, h, bottom, yFormat, false);
    double plotW = W - LEFT - RIGHT;
    double step = x.size() > 1 ? plotW / (x.size() - 1) : 0;
    int every = Math.max(1, (int) Math.ceil(x.size() / 9.0));
    for (int i = 0; i < x.size(); i += every) {
      double px = LEFT + i * step;
      b.append(
              String.format(
                  Locale.ROOT,
                  "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                  px,
                  h - bottom,
                  px,
                  h - bottom + 4))
          .append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                  px,
                  h - bottom + 17,
                  esc(x.get(i))));
    }
    for (Map.Entry<String, double[]> s : series.entrySet()) {
      StringBuilder points = new StringBuilder();
      double total = 0;
      for (int i = 0; i < s.getValue().length; i++) {
        double v = s.getValue()[i];
        total += v;
        points.append(
            String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + i * step, y(v, top, h, bottom)));
      }
      b.append("<polyline class=\"mark\" fill=\"none\" stroke-width=\"1.6\" stroke=\"")
          .append(colors.get(s.getKey()))
          .append("\" data-series=\"")
          .append(esc(s.getKey()))
          .append(String.format(Locale.ROOT, "\" data-value=\"%.2f\"", total))
          .append(" points=\"")
          .append(points.toString().trim())
          .append("\"><title>")
          .append(esc(s.getKey() + ": " + yFormat.apply(total)))
          .append("</title></polyline>\n");
    }
    return b.append("</svg>\n").toString();
  }

  /**
   * Bars per category, stacked by layer (one layer: plain bars). A zero adds no mark; the
   * category's label stays on the axis.
   */
  static String stacked(
      String id,
      String label,
      List<String> categories,
      Map<String, double[]> layers,
      Map<String, String> colors,
      DoubleFunction<String> yFormat) {
    int h = 330;
    int bottom = 70;
    double max = 0;
    for (int c = 0; c < categories.size(); c++) {
      double sum = 0;
      for (double[] v : layers.values()) {
        sum += v[c];
      }
      max = Math.max(max, sum);
    }
    boolean whole =
        layers.values().stream().flatMapToDouble(Arrays::stream).allMatch(v -> v == Math.rint(v));
    StringBuilder b = open(id, label, h);
    double top = yAxis(b, max, h, bottom, yFormat, whole);
    double slot = (double) (W - LEFT - RIGHT) / Math.max(1, categories.size());
    double bar = Math.min(64, slot * 0.7);
    for (int c = 0; c < categories.size(); c++) {
      double cx = LEFT + slot * (c + 0.5);
      double base = 0;
      for (Map.Entry<String, double[]> layer : layers.entrySet()) {
        double v = layer.getValue()[c];
        if (v <= 0) {
          continue;
        }
        double y1 = y(base + v, top, h, bottom);
        double y0 = y(base, top, h, bottom);
        String tip =
            categories.get(c)
                + (layers.size() > 1 ? " · " + layer.getKey() : "")
                + ": "
                + yFormat.apply(v);
        b.append(
                String.format(
                    Locale.ROOT,
                    "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-value=\"%s\">",
                    cx - bar / 2,
                    y1,
                    bar,
                    Math.max(0.5, y0 - y1),
                    colors.get(layer.getKey()),
                    num(v)))
            .append("<title>")
            .append(esc(tip))
            .append("</title></rect>\n");
        base += v;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-30 %.1f %d)\">%s</text>\n",
              cx + 4,
              h - bottom + 16,
              cx + 4,
              h - bottom + 16,
              esc(categories.get(c))));
    }
    return b.append("</svg>\n").toString();
  }

  /**
   * Counts of values in equal bins over [0, 1], with a dashed line at {@code marker} (NaN: none).
   */
  static String histogram(String id, String label, long[] bins, double marker, String markerLabel) {
    int h = 300;
    int bottom = 40;
    long max = 0;
    for (long n : bins) {
      max = Math.max(max, n);
    }
    StringBuilder b = open(id, label, h);
    double top = yAxis(b, max, h, bottom, v -> Html.count(Math.round(v)), true);
    double plotW = W - LEFT - RIGHT;
    double binW = plotW / bins.length;
    for (int i = 0; i < bins.length; i++) {
      if (bins[i] == 0) {
        continue;
      }
      double y1 = y(bins[i], top, h, bottom);
      String range =
          String.format(
              Locale.ROOT, "%.2f–%.2f", (double) i / bins.length, (double) (i + 1) / bins.length);
      b.append(
              String.format(
                  Locale.ROOT,
                  "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4e79a7\" data-value=\"%d\">",
                  LEFT + i * binW + 1,
                  y1,
                  binW - 2,
                  Math.max(0.5, h - bottom - y1),
                  bins[i]))
          .append("<title>")
          .append(esc(range + ": " + Html.count(bins[i])))
          .append("</title></rect>\n");
    }
    for (int t = 0; t <= 10; t++) {
      double px = LEFT + plotW * t / 10;
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n",
              px,
              h - bottom + 16,
              t / 10.0));
    }
    if (!Double.isNaN(marker)) {
      double px = LEFT + plotW * marker;
      b.append(
              String.format(
                  Locale.ROOT,
                  "<line class=\"threshold\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                  px,
                  TOP,
                  px,
                  h - bottom))
          .append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                  px + 5,
                  TOP - 3,
                  esc(markerLabel)));
    }
    return b.append("</svg>\n").toString();
  }

  /** An HTML legend: a swatch and a name per entry. */
  static String legend(Map<String, String> colors) {
    StringBuilder b = new StringBuilder("<ul class=\"legend\">");
    colors.forEach(
        (name, color) ->
            b.append("<li><span class=\"swatch\" style=\"background:")
                .append(color)
                .append("\"></span>")
                .append(esc(name))
                .append("</li>"));
    return b.append("</ul>\n").toString();
  }

  /** Colours for names in order, "other" grey. */
  static Map<String, String> colors(List<String> names) {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    for (String n : names) {
      out.put(n, n.equals("other") ? OTHER : color(i++));
    }
    return out;
  }

  private static StringBuilder open(String id, String label, int h) {
    return new StringBuilder(
        String.format(
            Locale.ROOT,
            "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">\n",
            esc(id),
            W,
            h,
            W,
            h,
            esc(label)));
  }

  /**
   * Draws the y axis with gridlines at round steps (whole numbers for counts) up to at least max;
   * returns the axis's top value.
   */
  private static double yAxis(
      StringBuilder b,
      double max,
      int h,
      int bottom,
      DoubleFunction<String> format,
      boolean whole) {
    double step = niceStep(max > 0 ? max / 5 : 1);
    if (whole) {
      step = Math.max(1, step);
    }
    double top = Math.max(step, Math.ceil(max / step) * step);
    List<Double> ticks = new ArrayList<>();
    for (int i = 0; i * step <= top + step / 2; i++) {
      ticks.add(i * step);
    }
    for (double t : ticks) {
      double py = y(t, top, h, bottom);
      b.append(
              String.format(
                  Locale.ROOT,
                  "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
                  LEFT,
                  py,
                  W - RIGHT,
                  py))
          .append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                  LEFT - 6,
                  py + 4,
                  esc(format.apply(t))));
    }
    b.append(
            String.format(
                Locale.ROOT,
                "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                LEFT,
                TOP,
                LEFT,
                h - bottom))
        .append(
            String.format(
                Locale.ROOT,
                "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                LEFT,
                h - bottom,
                W - RIGHT,
                h - bottom));
    return top;
  }

  /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
  static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= raw) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static double y(double v, double top, int h, int bottom) {
    return h - bottom - (h - bottom - TOP) * (v / top);
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }
}
