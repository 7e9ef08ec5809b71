package dev.lakebeam.pipelines.stream;

import dev.lakebeam.pipelines.options.CleanOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.StreamOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.run.HmacKeys;
import dev.lakebeam.pipelines.run.KeyFingerprints;
import dev.lakebeam.pipelines.run.RunReport;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * What a stream run will do, decided before anything runs: its options checked, its streams and
 * where to start reading them, its zones (the clean zone's dimensions present), its key and clean
 * settings. Every refusal happens here, before a job is started.
 */
final class StreamPlan {
  /** The clean zone's dimensions that the reference checks need. */
  static final List<Dataset> DIMENSIONS =
      List.of(Dataset.DEPARTMENTS, Dataset.AISLES, Dataset.PRODUCTS);

  /** The streams read, in the order of --streams, each once. */
  final List<SourceDataset> sources = new ArrayList<>();

  /** Each source's Kinesis stream name, in the order of --streams. */
  final Map<SourceDataset, String> names = new LinkedHashMap<>();

  /** Each source's enhanced fan-out consumer, where one is given. */
  private final Map<SourceDataset, String> consumerArns = new EnumMap<>(SourceDataset.class);

  /** How long to read (null: until cancelled). */
  final Duration maxReadTime;

  final InitialPositionInStream position;

  /** With AT_TIMESTAMP: where to start; else null. */
  final Instant startAt;

  final Duration idle;
  final Duration rawBuffer;
  final long rawBufferBytes;
  final int failOnceAfterRecords;
  final String raw;
  final String clean;
  final String consumption;
  final StreamStages.Settings settings;

  private StreamPlan(StreamOptions o, PrintStream err) throws IOException {
    for (SourceDataset s : StreamOptions.sources(o)) {
      sources.add(s);
      names.put(s, StreamOptions.streamName(o, s));
    }
    maxReadTime = o.getMaxReadTime() == null ? null : duration("--maxReadTime", o.getMaxReadTime());
    Duration horizon = duration("--dedupeHorizon", o.getDedupeHorizon());
    for (SourceDataset s : sources) {
      String arn = StreamOptions.consumerArn(o, s);
      String name = StreamOptions.streamName(o, s);
      if (arn != null
          && !arn.isBlank()
          && (!arn.startsWith("arn:") || !arn.contains(":stream/" + name + "/consumer/"))) {
        throw new UsageException(
            "--"
                + s.kinesis().name()
                + "ConsumerArn must be the ARN of a consumer of stream "
                + name
                + " (arn:aws:kinesis:REGION:ACCOUNT:stream/"
                + name
                + "/consumer/NAME:CREATED), was "
                + arn);
      }
      if (arn != null && !arn.isBlank()) {
        consumerArns.put(s, arn);
      }
    }
    try {
      position = InitialPositionInStream.valueOf(o.getInitialPosition());
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--initialPosition takes TRIM_HORIZON, LATEST or AT_TIMESTAMP, was "
              + o.getInitialPosition());
    }
    startAt =
        position == InitialPositionInStream.AT_TIMESTAMP
            ? initialTimestamp(o.getInitialTimestamp())
            : null;
    if (o.getWindowSeconds() < 1
        || o.getAllowedLatenessSeconds() < 0
        || o.getEarlyFiringSeconds() < 1
        || o.getRawBufferSeconds() < 1
        || o.getRawBufferBytes() < 1
        || o.getIdleSeconds() < 1
        || o.getStallSeconds() < 1) {
      throw new UsageException(
          "--windowSeconds, --earlyFiringSeconds, --rawBufferSeconds, --rawBufferBytes, --idleSeconds and "
              + "--stallSeconds must be positive, --allowedLatenessSeconds not negative");
    }
    if (o.getProgressSeconds() < 0 || o.getFailOnceAfterRecords() < 0) {
      throw new UsageException("--progressSeconds and --failOnceAfterRecords must not be negative");
    }
    idle = Duration.standardSeconds(o.getIdleSeconds());
    rawBuffer = Duration.standardSeconds(o.getRawBufferSeconds());
    rawBufferBytes = o.getRawBufferBytes();
    failOnceAfterRecords = o.getFailOnceAfterRecords();
    raw = LakeOptions.zonePath(o, Zone.RAW);
    clean = LakeOptions.zonePath(o, Zone.CLEAN);
    consumption = LakeOptions.zonePath(o, Zone.CONSUMPTION);
    for (Dataset d : DIMENSIONS) {
      MatchResult m =
          FileSystems.match(
              clean + "/" + d.datasetName() + "/**.parquet", EmptyMatchTreatment.ALLOW);
      if (m.metadata().isEmpty()) {
        throw new UsageException(
            "no "
                + d.datasetName()
                + " in "
                + clean
                + ": the stream checks references against the clean "
                + "zone's dimensions; backfill them first");
      }
    }
    Tokenizer tokenizer =
        HmacKeys.tokenizer(
            o.getHmacKeyEnv(), o.getAllowDevHmacKey(), LakeOptions.isLocal(o), err, "stream");
    KeyFingerprints.check(RunReport.manifestsOf(o.getLake()), tokenizer.fingerprint(), "stream");
    CleanConfig cfg =
        CleanConfig.live(
            Clock.systemUTC(),
            CleanOptions.futureToleranceMillis(o),
            tokenizer,
            OrderTimestamps.DEFAULT_AS_OF);
    settings =
        new StreamStages.Settings(
            horizon,
            Duration.standardSeconds(o.getWindowSeconds()),
            Duration.standardSeconds(o.getAllowedLatenessSeconds()),
            Duration.standardSeconds(o.getEarlyFiringSeconds()),
            cfg);
  }

  static StreamPlan of(StreamOptions o, PrintStream err) throws IOException {
    return new StreamPlan(o, err);
  }

  /**
   * The read of a source's stream: from the planned position, with event-time watermarks, by
   * polling or enhanced fan-out.
   */
  KinesisIO.Read read(SourceDataset s) {
    KinesisIO.Read read =
        KinesisIO.read()
            .withStreamName(names.get(s))
            .withCustomWatermarkPolicy(
                new StreamPipeline.EventTimeWatermarks(s.kinesis().timeField(), idle));
    read =
        startAt == null
            ? read.withInitialPositionInStream(position)
            : read.withInitialTimestampInStream(startAt);
    if (maxReadTime != null) {
      read = read.withMaxReadTime(maxReadTime);
    }
    String arn = consumerArns.get(s);
    if (arn != null) {
      read = read.withConsumerArn(arn); // enhanced fan-out (SubscribeToShard) instead of polling
    }
    return read;
  }

  private static Instant initialTimestamp(String v) {
    if (v == null) {
      throw new UsageException(
          "--initialPosition=AT_TIMESTAMP needs --initialTimestamp=ISO-8601 instant");
    }
    try {
      return new Instant(java.time.Instant.parse(v).toEpochMilli());
    } catch (DateTimeParseException e) {
      throw new UsageException("--initialTimestamp must be an ISO-8601 instant, was " + v);
    }
  }

  private static Duration duration(String option, String v) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v.trim());
    if (!m.matches()) {
      throw new UsageException(option + " takes a duration like 90s, 10m or 2h, was '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.millis(n);
      case "s" -> Duration.standardSeconds(n);
      case "m" -> Duration.standardMinutes(n);
      default -> Duration.standardHours(n);
    };
  }
}
