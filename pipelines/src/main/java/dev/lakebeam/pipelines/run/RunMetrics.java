package dev.lakebeam.pipelines.run;

import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * A finished run's figures, read from its Beam metrics: counts per dataset and outcome, reject
 * reasons.
 */
public final class RunMetrics {
  /** The outcomes every record in ends in, beside {@code in}. */
  public static final List<String> OUTCOMES = List.of("clean", "rejected", "duplicates", "skipped");

  private RunMetrics() {}

  /** Every counter of a namespace, by name (committed values where the runner has them). */
  public static Map<String, Long> values(PipelineResult result, String namespace) {
    MetricQueryResults q =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(namespace))
                    .build());
    Map<String, Long> flat = new LinkedHashMap<>();
    for (MetricResult<Long> c : q.getCounters()) {
      Long v;
      try {
        v = c.getCommitted();
      } catch (UnsupportedOperationException e) {
        v = c.getAttempted();
      }
      if (v == null) {
        v = c.getAttempted();
      }
      flat.merge(c.getName().getName(), v, Long::sum);
    }
    return flat;
  }

  /**
   * Per source dataset, its records in and their outcomes (clean, rejected, duplicates, skipped).
   */
  public static Map<String, Map<String, Long>> counts(
      Map<String, Long> accounting, Iterable<SourceDataset> present) {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (SourceDataset d : present) {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("in", accounting.getOrDefault(Accounting.IN + d.sourceName(), 0L));
      m.put("clean", accounting.getOrDefault(Accounting.CLEAN + d.sourceName(), 0L));
      m.put("rejected", accounting.getOrDefault(Accounting.REJECTED + d.sourceName(), 0L));
      m.put("duplicates", accounting.getOrDefault(Accounting.DUPLICATES + d.sourceName(), 0L));
      m.put("skipped", accounting.getOrDefault(Accounting.SKIPPED + d.sourceName(), 0L));
      out.put(d.sourceName(), m);
    }
    return out;
  }

  /** Rejects per dataset and reason. */
  public static Map<String, Map<String, Long>> reasons(Map<String, Long> accounting) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    accounting.forEach(
        (name, v) -> {
          if (name.startsWith(Accounting.REASON) && v > 0) {
            String rest = name.substring(Accounting.REASON.length());
            int dot = rest.lastIndexOf('.');
            out.computeIfAbsent(rest.substring(0, dot), k -> new TreeMap<>())
                .put(rest.substring(dot + 1), v);
          }
        });
    return out;
  }

  /**
   * The datasets whose outcomes do not add up to their records in, each with its figures (none:
   * empty).
   */
  public static List<String> unaccounted(Map<String, Map<String, Long>> counts) {
    List<String> broken = new ArrayList<>();
    counts.forEach(
        (ds, c) -> {
          long outcome = OUTCOMES.stream().mapToLong(c::get).sum();
          if (outcome != c.get("in")) {
            broken.add(
                ds + ": in " + c.get("in") + " but clean+rejected+duplicates+skipped = " + outcome);
          }
        });
    return broken;
  }
}
