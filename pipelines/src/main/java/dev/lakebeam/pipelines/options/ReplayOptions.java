package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code replay}: push a data set's kinesis/ events into Kinesis. */
@OptionGroup("Replay")
public interface ReplayOptions extends StreamOptions {
  @Description(
      "A data set folder with kinesis/ (as written by generate), its kinesis/ folder, or its files/ folder "
          + "(the kinesis/ beside it is used; the default is the sample's).")
  @Default.String("sample-data/files")
  String getInput();

  void setInput(String value);

  @Description(
      "Records per second to put, over all streams, e.g. 2 or 1.5 (0: as fast as Kinesis takes them).")
  @Default.Double(0)
  Double getRate();

  void setRate(Double value);

  @Description(
      "Replay in event-time order, this many times faster than the events happened (0: off, file order).")
  @Default.Double(0)
  Double getSpeedup();

  void setSpeedup(Double value);

  @Description("Shards of a stream that replay creates (streams that exist keep theirs).")
  @Default.Integer(2)
  Integer getShards();

  void setShards(Integer value);

  @Description(
      "Attempts per record before replay fails (throttled or failed records are retried with backoff).")
  @Default.Integer(10)
  Integer getMaxAttempts();

  void setMaxAttempts(Integer value);
}
