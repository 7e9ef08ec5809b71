package dev.lakebeam.pipelines.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.stream.EventFields;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A Kinesis record as a raw record keyed by its event id (for the redelivery check), stamped with
 * its event time. Records without an id are keyed by their shard and sequence number (never
 * dropped; the parser rejects them); records without an event time keep their arrival time.
 */
final class ToRawFn extends DoFn<KinesisRecord, KV<String, Row>> {
  /** The counter of records read per source (its id follows). */
  static final String READ = "kinesis_read.";

  /** The coder of the keyed raw records. */
  static final KvCoder<String, Row> KEYED_CODER =
      KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(RawRecord.SCHEMA));

  /** Records seen by every ToRawFn of this JVM, and whether the injected failure has happened. */
  private static final AtomicLong SEEN = new AtomicLong();

  private static final AtomicBoolean FAILED = new AtomicBoolean();

  private final SourceDataset source;
  private final String stream;
  private final int failOnceAfter;
  private final Progress read;
  private transient ShardReads.Recorder shards;

  ToRawFn(SourceDataset source, String stream, int failOnceAfter) {
    this.source = source;
    this.stream = stream;
    this.failOnceAfter = failOnceAfter;
    this.read = Progress.counter(READ + source.kinesis().name());
  }

  static void resetInjectedFailure() {
    SEEN.set(0);
    FAILED.set(false);
  }

  /**
   * One record of a stream as the stream's stages take it: a raw record keyed by its event id (or
   * by {@code @ref} when it has none), stamped with its event time when that is trusted, else with
   * its arrival.
   */
  static TimestampedValue<KV<String, Row>> toRaw(
      SourceDataset source, String ref, String payload, Instant arrival) {
    JsonNode json = EventFields.json(payload);
    Row row = RawRecord.of(source, "kinesis", ref, null, payload);
    String id = EventFields.eventId(json, source.kinesis().idField());
    Instant t = EventFields.eventTime(json, source.kinesis().timeField());
    return TimestampedValue.of(KV.of(id == null ? "@" + ref : id, row), t == null ? arrival : t);
  }

  @Setup
  public void setup() {
    shards = new ShardReads.Recorder();
  }

  @ProcessElement
  public void process(
      @Element KinesisRecord r, @Timestamp Instant arrival, OutputReceiver<KV<String, Row>> out) {
    if (failOnceAfter > 0
        && SEEN.incrementAndGet() > failOnceAfter
        && FAILED.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "injected failure after " + failOnceAfter + " records (--failOnceAfterRecords)");
    }
    TimestampedValue<KV<String, Row>> v =
        toRaw(
            source,
            stream + ":" + r.getShardId() + ":" + r.getSequenceNumber(),
            new String(r.getDataAsBytes(), StandardCharsets.UTF_8),
            arrival);
    read.inc();
    shards.read(
        stream,
        r.getShardId(),
        r.getSequenceNumber(),
        r.getApproximateArrivalTimestamp().getMillis(),
        System.currentTimeMillis());
    out.outputWithTimestamp(v.getValue(), v.getTimestamp());
  }

  @Override
  public Duration getAllowedTimestampSkew() {
    return Duration.millis(
        Long.MAX_VALUE); // event time is earlier than arrival: moving it back is the point
  }
}
