package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the Kinesis commands (DESIGN §4): which streams, and their names in the account.
 * Beam's AWS options ({@code --awsRegion}, {@code --endpoint}, {@code --awsCredentialsProvider})
 * choose the account or an emulator.
 */
public interface StreamOptions extends LakeOptions, AwsOptions {
  @Description("Comma-separated streams: orders, clickstream, feedback.")
  @Default.String("orders,clickstream,feedback")
  String getStreams();

  void setStreams(String value);

  @Description("Kinesis stream name of the orders events.")
  @Default.String("lakebeam-orders")
  String getOrdersStream();

  void setOrdersStream(String value);

  @Description("Kinesis stream name of the clickstream events.")
  @Default.String("lakebeam-clickstream")
  String getClickstreamStream();

  void setClickstreamStream(String value);

  @Description("Kinesis stream name of the store feedback events.")
  @Default.String("lakebeam-feedback")
  String getFeedbackStream();

  void setFeedbackStream(String value);
}
