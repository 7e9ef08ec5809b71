package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of the unbounded Kinesis pipeline (DESIGN §4). */
public interface StreamOptions extends LakeOptions {
  @Description("Comma-separated Kinesis streams to read: orders, clickstream, feedback.")
  @Default.String("orders,clickstream,feedback")
  String getStreams();

  void setStreams(String value);
}
