package dev.lakebeam.pipelines.options;

import dev.lakebeam.schemas.SourceDataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the Kinesis commands (DESIGN §4): which streams, and their names in the account.
 * Beam's AWS options ({@code --awsRegion}, {@code --endpoint}, {@code --awsCredentialsProvider})
 * choose the account or an emulator.
 */
@OptionGroup("Kinesis streams")
public interface StreamOptions extends LakeOptions, AwsOptions, CleanOptions {
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

  @Description(
      "Stop reading after this long (e.g. 120s, 10m), then finish and finalize every window: for tests, demos "
          + "and catch-up runs. Default: run until cancelled.")
  String getMaxReadTime();

  void setMaxReadTime(String value);

  @Description(
      "Where a stream is read from when the job starts: TRIM_HORIZON (the oldest record kept), LATEST, or AT_TIMESTAMP (--initialTimestamp).")
  @Default.String("LATEST")
  String getInitialPosition();

  void setInitialPosition(String value);

  @Description(
      "With --initialPosition=AT_TIMESTAMP: the instant to start from (ISO-8601, e.g. 2025-06-30T00:00:00Z).")
  String getInitialTimestamp();

  void setInitialTimestamp(String value);

  @Description(
      "Raw delivery: seconds a buffer may wait before it is written (like Firehose's buffer interval).")
  @Default.Integer(60)
  @OptionGroup("Raw delivery")
  Integer getRawBufferSeconds();

  void setRawBufferSeconds(Integer value);

  @Description(
      "Raw delivery: bytes that make a buffer be written at once (like Firehose's buffer size).")
  @Default.Long(5242880)
  @OptionGroup("Raw delivery")
  Long getRawBufferBytes();

  void setRawBufferBytes(Long value);

  @Description(
      "Event-time window of the clean stage, in seconds: records are deduped, joined and written per window.")
  @Default.Integer(60)
  @OptionGroup("Windows")
  Integer getWindowSeconds();

  void setWindowSeconds(Integer value);

  @Description(
      "Seconds after a window's end during which late records are still taken (later ones are dropped and counted).")
  @Default.Integer(600)
  @OptionGroup("Windows")
  Integer getAllowedLatenessSeconds();

  void setAllowedLatenessSeconds(Integer value);

  @Description("Seconds between early firings of department_sales_1m while a minute is open.")
  @Default.Integer(5)
  @OptionGroup("Windows")
  Integer getEarlyFiringSeconds();

  void setEarlyFiringSeconds(Integer value);

  @Description(
      "Seconds without records after which a shard's watermark follows the clock (so an idle shard does not hold back the windows).")
  @Default.Integer(10)
  @OptionGroup("Windows")
  Integer getIdleSeconds();

  void setIdleSeconds(Integer value);

  @Description(
      "Records of a stream with the same event id (order_id, event_id, feedback_id) seen again within this "
          + "long (e.g. 10m, 2h) are dropped as redeliveries before the clean stage.")
  @Default.String("10m")
  @OptionGroup("Windows")
  String getDedupeHorizon();

  void setDedupeHorizon(String value);

  @Description(
      "Enhanced fan-out: the ARN of a registered consumer of the orders stream. Default: polling (GetRecords).")
  String getOrdersConsumerArn();

  void setOrdersConsumerArn(String value);

  @Description(
      "Enhanced fan-out: the ARN of a registered consumer of the clickstream stream. Default: polling.")
  String getClickstreamConsumerArn();

  void setClickstreamConsumerArn(String value);

  @Description(
      "Enhanced fan-out: the ARN of a registered consumer of the feedback stream. Default: polling.")
  String getFeedbackConsumerArn();

  void setFeedbackConsumerArn(String value);

  @Description("Seconds between progress lines while the pipeline runs (0: none).")
  @Default.Integer(10)
  @OptionGroup("Run")
  Integer getProgressSeconds();

  void setProgressSeconds(Integer value);

  @Description(
      "Progress lines flag an open shard not read for this many seconds while other shards of its stream are read.")
  @Default.Integer(120)
  @OptionGroup("Run")
  Integer getStallSeconds();

  void setStallSeconds(Integer value);

  @Description(
      "Fault tests only: the read step fails once per JVM after this many records, so that Flink restarts the "
          + "job from its last checkpoint by itself (0: never).")
  @Default.Integer(0)
  @OptionGroup("Run")
  Integer getFailOnceAfterRecords();

  void setFailOnceAfterRecords(Integer value);

  /** The streaming sources --streams names, in the order given, each once. */
  static List<SourceDataset> sources(StreamOptions o) {
    List<SourceDataset> out = new ArrayList<>();
    for (String id : o.getStreams().split(",")) {
      SourceDataset d =
          SourceDataset.streams().stream()
              .filter(s -> s.stream().orElseThrow().name().equals(id.trim()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new UsageException(
                          "--streams takes "
                              + String.join(
                                  ", ",
                                  SourceDataset.streams().stream()
                                      .map(s -> s.stream().orElseThrow().name())
                                      .toList())
                              + "; '"
                              + id.trim()
                              + "' is none of them"));
      if (!out.contains(d)) {
        out.add(d);
      }
    }
    return out;
  }

  /** The enhanced fan-out consumer configured for a streaming source, or null (polling). */
  static String consumerArn(StreamOptions o, SourceDataset d) {
    return switch (d) {
      case ORDERS -> o.getOrdersConsumerArn();
      case CLICK_EVENTS -> o.getClickstreamConsumerArn();
      case FEEDBACK -> o.getFeedbackConsumerArn();
      default -> throw new IllegalArgumentException(d.sourceName() + " does not stream");
    };
  }

  /** The Kinesis stream name configured for a streaming source. */
  static String streamName(StreamOptions o, SourceDataset d) {
    return switch (d) {
      case ORDERS -> o.getOrdersStream();
      case CLICK_EVENTS -> o.getClickstreamStream();
      case FEEDBACK -> o.getFeedbackStream();
      default -> throw new IllegalArgumentException(d.sourceName() + " does not stream");
    };
  }
}
