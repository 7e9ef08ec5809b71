package dev.lakebeam.transforms.records;

import java.io.Serializable;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;

/**
 * An accounting counter: a Beam counter (the source of truth, read from the pipeline result) that
 * also adds to an in-process tally, so a launcher running the pipeline in its own JVM
 * (DirectRunner, Flink [local]) can print progress while the job runs. On a cluster the tally stays
 * local to each worker and the launcher simply has nothing to print until the end.
 */
public final class Progress implements Serializable {
  private static final long serialVersionUID = 1L;

  /** namespace → counter name → in-process sum. */
  private static final Map<String, Map<String, LongAdder>> TALLY = new ConcurrentHashMap<>();

  /** Bumped by {@link #reset}, so that a cached sum of an earlier run is looked up again. */
  private static volatile int generation;

  private final String namespace;
  private final String name;
  private final MetricName metric;

  /**
   * The step's counter cell, looked up once per metrics container (Beam's own counter looks it up
   * by name on every increment, a measurable cost at one increment per record). One field, so a
   * reader sees a container and its cell together.
   */
  private transient Cell cell;

  private record Cell(MetricsContainer container, Counter counter) {}

  /** This counter's in-process sum, looked up once per run rather than per increment. */
  private transient LongAdder sum;

  private transient int sumGeneration;

  private Progress(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
    this.metric = MetricName.named(namespace, name);
  }

  /** The counter {@code name} in the {@link Accounting#NAMESPACE} namespace. */
  public static Progress counter(String name) {
    return new Progress(Accounting.NAMESPACE, name);
  }

  /** The counter {@code name} in another namespace (e.g. {@link CountRows#NAMESPACE}). */
  public static Progress counter(String namespace, String name) {
    return new Progress(namespace, name);
  }

  public void inc() {
    inc(1);
  }

  public void inc(long n) {
    MetricsContainer container = MetricsEnvironment.getCurrentContainer();
    if (container != null) {
      Cell c = cell;
      if (c == null || c.container != container) {
        c = new Cell(container, container.getCounter(metric));
        cell = c;
      }
      c.counter.inc(n);
    }
    int g = generation;
    if (sum == null || sumGeneration != g) {
      sum =
          TALLY
              .computeIfAbsent(namespace, k -> new ConcurrentHashMap<>())
              .computeIfAbsent(name, k -> new LongAdder());
      sumGeneration = g;
    }
    sum.add(n);
  }

  /** The in-process sums of a namespace's counters so far, by name (sorted). */
  public static SortedMap<String, Long> tally(String namespace) {
    SortedMap<String, Long> out = new TreeMap<>();
    TALLY.getOrDefault(namespace, Map.of()).forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /**
   * The in-process sum of all accounting counters whose name starts with a prefix (e.g. {@code
   * "in."}).
   */
  public static long total(String prefix) {
    long sum = 0;
    for (Map.Entry<String, LongAdder> e :
        TALLY.getOrDefault(Accounting.NAMESPACE, Map.of()).entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        sum += e.getValue().sum();
      }
    }
    return sum;
  }

  /** Forgets the in-process tally (at the start of a run). */
  public static void reset() {
    TALLY.clear();
    generation++;
  }
}
