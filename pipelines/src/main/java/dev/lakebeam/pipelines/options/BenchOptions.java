package dev.lakebeam.pipelines.options;

import java.nio.file.Path;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Options of {@code bench}: the scale, where to work, which runner profiles to measure. */
@OptionGroup("Benchmark")
public interface BenchOptions extends PipelineOptions {
  /** Default of --orders for bench (see {@link CommandDefault}). */
  int DEFAULT_ORDERS = 1_000_000;

  /**
   * The folder of --workDir when none is given, bench-stream's too: lakebeam-bench in the JVM's
   * temp folder ({@code java.io.tmpdir}), outside any checkout. No @Default: it depends on the JVM.
   */
  String DEFAULT_WORK_DIR =
      Path.of(System.getProperty("java.io.tmpdir"), "lakebeam-bench").toString();

  @Description(
      "Orders to generate (about 10 order lines each); the full Instacart scale is 3421083.")
  @CommandDefault("1000000")
  Integer getOrders();

  void setOrders(Integer value);

  @Description("Seed of the generated set.")
  @Default.Long(42L)
  Long getSeed();

  void setSeed(Long value);

  @Description(
      "Working folder: the generated set, one lake per profile and the lower bound's output (reused when the set exists); "
          + "default: lakebeam-bench in the JVM's temp folder (java.io.tmpdir, /tmp on Linux).")
  String getWorkDir();

  void setWorkDir(String value);

  @Description(
      "Comma-separated runner profiles to measure the backfill on (direct is slow: keep its scale small).")
  @Default.String("local,direct")
  String getProfiles();

  void setProfiles(String value);

  @Description(
      "Maximum heap of each measured JVM, passed as -Xmx (e.g. 1g, 1536m): the same heap at every scale shows "
          + "whether memory stays flat. Unset: the JVM's default (a quarter of the machine's memory).")
  String getHeap();

  void setHeap(String value);

  @Description(
      "Garbage collector of each measured JVM: parallel (-XX:+UseParallelGC, the throughput collector docs/BENCHMARKS.md "
          + "recommends for backfills), g1 (-XX:+UseG1GC, the JVM's default) or default (no flag).")
  @Default.String("parallel")
  String getGc();

  void setGc(String value);

  @Description(
      "Also append the results as a Markdown section to this file (e.g. docs/BENCHMARKS.md).")
  String getReport();

  void setReport(String value);
}
