package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of {@code bench-stream}: how many orders to put, how fast, and where. Beam's AWS options
 * ({@code --endpoint}, {@code --awsRegion}, {@code --awsCredentialsProvider}) choose the Kinesis to
 * measure against (an emulator, or an account).
 */
@OptionGroup("Benchmark")
public interface BenchStreamOptions extends StreamOptions {
  @Description("Order events to put (each carries its order lines).")
  @Default.Integer(3000)
  Integer getStreamOrders();

  void setStreamOrders(Integer value);

  @Description("Order events per second to put, steadily.")
  @Default.Integer(20)
  Integer getEventsPerSecond();

  void setEventsPerSecond(Integer value);

  @Description("Shards of the benchmark's orders stream.")
  @Default.Integer(2)
  Integer getBenchShards();

  void setBenchShards(Integer value);

  @Description("Seed of the generated set.")
  @Default.Long(42L)
  Long getSeed();

  void setSeed(Long value);

  @Description(
      "Working folder: the generated set, the dimensions' backfill, the stream's lake and its log; "
          + "default: lakebeam-bench in the JVM's temp folder (java.io.tmpdir, /tmp on Linux).")
  String getWorkDir();

  void setWorkDir(String value);

  @Description("Give up waiting for the stream to catch up this many seconds after the last put.")
  @Default.Integer(300)
  Integer getCatchUpSeconds();

  void setCatchUpSeconds(Integer value);

  @Description(
      "Also append the results as a Markdown section to this file (e.g. docs/BENCHMARKS.md).")
  String getReport();

  void setReport(String value);
}
