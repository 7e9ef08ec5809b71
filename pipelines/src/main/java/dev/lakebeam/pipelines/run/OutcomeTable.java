package dev.lakebeam.pipelines.run;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A summary's table of records in and their outcomes, one row per source dataset. */
public final class OutcomeTable {
  private OutcomeTable() {}

  /**
   * Prints the header and the rows of {@code counts} (as {@link RunMetrics#counts} makes them)
   * whose {@code in} is above 0, with the given columns.
   */
  public static void print(
      PrintStream out, Map<String, Map<String, Long>> counts, List<String> columns) {
    print(out, counts, columns, true);
  }

  /**
   * As {@link #print(PrintStream, Map, List)}; with {@code onlyWithRecords} false, every dataset
   * counted gets its row. A column a dataset lacks shows "-".
   */
  public static void print(
      PrintStream out,
      Map<String, Map<String, Long>> counts,
      List<String> columns,
      boolean onlyWithRecords) {
    List<Object> header = new ArrayList<>(List.of("source"));
    header.addAll(columns);
    String line = "  %-16s" + " %10s".repeat(columns.size()) + "%n";
    out.printf(Locale.ROOT, line, header.toArray());
    counts.forEach(
        (ds, c) -> {
          if (!onlyWithRecords || c.getOrDefault("in", 0L) > 0) {
            List<Object> row = new ArrayList<>(List.of(ds));
            columns.forEach(
                k -> row.add(c.containsKey(k) ? String.format(Locale.ROOT, "%,d", c.get(k)) : "-"));
            out.printf(Locale.ROOT, line, row.toArray());
          }
        });
  }
}
