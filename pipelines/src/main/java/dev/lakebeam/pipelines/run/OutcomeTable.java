package dev.lakebeam.pipelines.run;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A summary's table of records in and their outcomes, one row per source dataset that had records
 * in.
 */
public final class OutcomeTable {
  private OutcomeTable() {}

  /**
   * Prints the header and the rows of {@code counts} (as {@link RunMetrics#counts} makes them)
   * whose {@code in} is above 0, with the given columns.
   */
  public static void print(
      PrintStream out, Map<String, Map<String, Long>> counts, List<String> columns) {
    List<Object> header = new ArrayList<>(List.of("source"));
    header.addAll(columns);
    out.printf(Locale.ROOT, "  %-16s" + " %10s".repeat(columns.size()) + "%n", header.toArray());
    counts.forEach(
        (ds, c) -> {
          if (c.getOrDefault("in", 0L) > 0) {
            List<Object> row = new ArrayList<>(List.of(ds));
            columns.forEach(k -> row.add(c.getOrDefault(k, 0L)));
            out.printf(
                Locale.ROOT, "  %-16s" + " %,10d".repeat(columns.size()) + "%n", row.toArray());
          }
        });
  }
}
