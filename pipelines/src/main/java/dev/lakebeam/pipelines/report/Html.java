package dev.lakebeam.pipelines.report;

import java.util.List;
import java.util.Locale;

/**
 * The HTML around the sections: escaping, tables, number formats, and the page with its inline
 * style and script. Nothing on the page is fetched: no external style, font, script or image.
 */
final class Html {
  private Html() {}

  /** Text or an attribute value as HTML: the data's names may hold {@code < & " '}. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** Dollars to the cent; "n/a" for a value SQL had none of (NaN). */
  static String money(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "$%,.2f", v);
  }

  static String count(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  static String decimal(double v, int places) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + places + "f", v);
  }

  static String percent(double ratio) {
    if (ratio > 0 && ratio < 0.0005) {
      return "< 0.1 %";
    }
    return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", ratio * 100);
  }

  /** Seconds as "8.4 s" or "3 min 12 s". */
  static String seconds(double s) {
    return s < 120
        ? String.format(Locale.ROOT, "%.1f s", s)
        : String.format(Locale.ROOT, "%d min %d s", (long) s / 60, (long) s % 60);
  }

  /**
   * A table column: its header, and whether it holds numbers (right-aligned, sorted as numbers).
   */
  record Col(String header, boolean numeric) {
    static Col text(String header) {
      return new Col(header, false);
    }

    static Col num(String header) {
      return new Col(header, true);
    }
  }

  /**
   * A cell: its text, and optionally a hover title, a bar before the text (a ratio 0..1; NaN: none)
   * and the value the script sorts by when the text's number is not it (e.g. "3 min 12 s").
   */
  record Cell(String text, String title, double bar, String sort) {
    static Cell of(String text) {
      return new Cell(text, null, Double.NaN, null);
    }

    static Cell titled(String text, String title) {
      return new Cell(text, title, Double.NaN, null);
    }

    static Cell bar(String text, double ratio) {
      return new Cell(text, null, ratio, null);
    }

    static Cell sorted(String text, String sort) {
      return new Cell(text, null, Double.NaN, sort);
    }
  }

  /** A table the page's script can sort by any column; cells are plain strings or {@link Cell}s. */
  static String table(String id, List<Col> cols, List<List<?>> rows) {
    StringBuilder b =
        new StringBuilder("<div class=\"scroll\"><table class=\"sortable\" id=\"")
            .append(esc(id))
            .append("\"><thead><tr>");
    for (Col c : cols) {
      b.append(c.numeric() ? "<th class=\"num\">" : "<th>").append(esc(c.header())).append("</th>");
    }
    b.append("</tr></thead><tbody>\n");
    for (List<?> row : rows) {
      b.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        Object v = row.get(i);
        Cell cell = v instanceof Cell c ? c : Cell.of(String.valueOf(v));
        b.append(
            cols.get(i).numeric()
                ? "<td class=\"num\""
                : Double.isNaN(cell.bar()) ? "<td" : "<td class=\"bar-cell\"");
        if (cell.title() != null) {
          b.append(" title=\"").append(esc(cell.title())).append('"');
        }
        if (cell.sort() != null) {
          b.append(" data-sort=\"").append(esc(cell.sort())).append('"');
        }
        b.append('>');
        if (!Double.isNaN(cell.bar())) {
          b.append(
              String.format(
                  Locale.ROOT,
                  "<span class=\"bar\" style=\"width:%.0fpx\"></span>",
                  40 * Math.max(0, Math.min(1, cell.bar()))));
        }
        b.append(esc(cell.text())).append("</td>");
      }
      b.append("</tr>\n");
    }
    return b.append("</tbody></table></div>\n").toString();
  }

  /** One section: a heading, the one line saying what it shows, and its body. */
  static String section(String id, String heading, String explanation, String body) {
    return "<section id=\""
        + esc(id)
        + "\">\n<h2>"
        + esc(heading)
        + "</h2>\n<p class=\"what\">"
        + esc(explanation)
        + "</p>\n"
        + body
        + "</section>\n";
  }

  /** A paragraph of plain text. */
  static String p(String cssClass, String text) {
    return "<p class=\"" + esc(cssClass) + "\">" + esc(text) + "</p>\n";
  }

  /** The whole page. */
  static String page(
      String title, String subtitle, List<String[]> contents, List<String> sections) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>")
        .append(esc(title))
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n")
        .append("<header><h1>")
        .append(esc(title))
        .append("</h1>\n<p class=\"what\">")
        .append(esc(subtitle))
        .append("</p>\n<nav>");
    for (String[] c : contents) {
      b.append("<a href=\"#").append(esc(c[0])).append("\">").append(esc(c[1])).append("</a> ");
    }
    b.append("</nav></header>\n<main>\n");
    sections.forEach(b::append);
    b.append("</main>\n<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
    return b.toString();
  }

  private static final String CSS =
      """
      body { margin: 0; background: #f6f7f9; color: #1f2328; font: 14px/1.45 system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
      header { background: #22313f; color: #fff; padding: 18px 28px 12px; }
      header h1 { margin: 0 0 4px; font-size: 22px; }
      header .what { color: #c9d3dd; }
      nav a { color: #9fd0ff; margin-right: 14px; text-decoration: none; }
      main { max-width: 1200px; margin: 0 auto; padding: 8px 20px 40px; }
      section { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; margin: 18px 0; padding: 14px 20px 18px; }
      h2 { margin: 0 0 2px; font-size: 18px; }
      h3 { margin: 0 0 4px; font-size: 14px; }
      .what { margin: 0 0 10px; color: #57606a; }
      .empty { padding: 14px; background: #fff8e1; border: 1px solid #f0d68a; border-radius: 4px; }
      .figure { font-size: 15px; margin: 6px 0 10px; }
      .figure b { font-size: 17px; }
      svg.chart { display: block; max-width: 100%; height: auto; margin: 6px 0; }
      svg.chart text { font-size: 11px; fill: #444; }
      svg.chart .axis { stroke: #888; }
      svg.chart .grid { stroke: #e5e8eb; }
      svg.chart .threshold { stroke: #c00; stroke-dasharray: 5 4; }
      ul.legend { list-style: none; padding: 0; margin: 4px 0 10px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
      .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
      table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
      th, td { padding: 3px 9px; border-bottom: 1px solid #e5e8eb; text-align: left; }
      th { background: #f0f3f6; cursor: pointer; user-select: none; white-space: nowrap; }
      th[aria-sort=ascending]::after { content: " \\25B2"; }
      th[aria-sort=descending]::after { content: " \\25BC"; }
      .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      td.bar-cell { white-space: nowrap; }
      .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
      .card table { font-size: 12px; }
      .card summary { cursor: pointer; padding: 2px 0; }
      .card[open] summary { margin-bottom: 4px; }
      .card[open] summary .muted { display: none; }
      .muted { color: #6e7781; font-size: 12px; }
      .scroll { overflow-x: auto; }
      #runs-table { font-size: 12px; }
      #runs-table th, #runs-table td { padding: 3px 5px; }
      .card th, .card td { padding: 2px 5px; }
      .card { border: 1px solid #e5e8eb; border-radius: 4px; padding: 8px 10px; }
      .card table { margin: 0; width: 100%; }
      .bar { display: inline-block; height: 9px; background: #59a14f; border-radius: 2px; vertical-align: middle; margin-right: 6px; }
      """;

  /**
   * Sorts tables on a header click; records script errors in body[data-errors] and sets
   * body[data-ready]="1" once done, which the test reads from the rendered DOM.
   */
  private static final String SCRIPT =
      """
      (function () {
        var errors = [];
        function note(message) {
          errors.push(String(message));
          document.body.setAttribute('data-errors', errors.join(' | '));
        }
        window.onerror = function (message, source, line) { note(message + ' (line ' + line + ')'); };
        function key(cell, numeric) {
          var v = cell.getAttribute('data-sort');
          if (v === null) { v = cell.textContent; }
          if (!numeric) { return v; }
          var n = parseFloat(v.replace(/[^0-9.eE+-]/g, ''));
          return isNaN(n) ? -Infinity : n;
        }
        function sortBy(table, column, th) {
          var numeric = th.classList.contains('num');
          var ascending = th.getAttribute('aria-sort') !== 'ascending';
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
            var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
            return ascending ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
          table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
          th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        }
        try {
          document.querySelectorAll('table.sortable').forEach(function (table) {
            table.querySelectorAll('thead th').forEach(function (th, column) {
              th.title = 'click to sort by this column';
              th.addEventListener('click', function () { sortBy(table, column, th); });
            });
          });
        } catch (e) {
          note(e && e.message ? e.message : e);
        }
        document.body.setAttribute('data-ready', '1');
      })();
      """;
}
