package dev.lakebeam.transforms.records;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The share of a dataset's records a run may reject before its clean data is held back. Counted
 * over the records inside the run's date range (in minus skipped).
 */
public final class RejectBudget {
  private final double maxRatio;

  public RejectBudget(double maxRatio) {
    if (!(maxRatio >= 0 && maxRatio <= 1)) {
      throw new IllegalArgumentException(
          "a reject budget is a share of the records from 0 to 1, was " + maxRatio);
    }
    this.maxRatio = maxRatio;
  }

  /**
   * Null when every dataset's rejects are within the budget, else each dataset that went over with
   * its counts, largest share first. {@code counts} holds per dataset its {@code in}, {@code
   * skipped} and {@code rejected}.
   */
  public String exceeded(Map<String, Map<String, Long>> counts) {
    List<Map.Entry<String, long[]>> over = new ArrayList<>();
    for (Map.Entry<String, Map<String, Long>> e : counts.entrySet()) {
      long n = e.getValue().get("in") - e.getValue().get("skipped");
      long r = e.getValue().get("rejected");
      if (n > 0 && r > maxRatio * n) {
        over.add(Map.entry(e.getKey(), new long[] {r, n}));
      }
    }
    if (over.isEmpty()) {
      return null;
    }
    over.sort(
        (a, b) ->
            Double.compare(
                (double) b.getValue()[0] / b.getValue()[1],
                (double) a.getValue()[0] / a.getValue()[1]));
    List<String> named = new ArrayList<>();
    for (Map.Entry<String, long[]> e : over) {
      long r = e.getValue()[0];
      long n = e.getValue()[1];
      named.add(
          String.format(
              Locale.ROOT, "%s %,d of %,d rejected (%.2f %%)", e.getKey(), r, n, 100.0 * r / n));
    }
    return String.format(
        Locale.ROOT,
        "reject budget exceeded (--maxRejectRatio=%s, %.2f %% per dataset): %s",
        maxRatio,
        100 * maxRatio,
        String.join("; ", named));
  }
}
