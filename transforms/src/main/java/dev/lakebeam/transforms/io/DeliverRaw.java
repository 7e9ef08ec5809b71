package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Partitioning;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Raw delivery like Kinesis Data Firehose: records of each stream are buffered until {@code
 * bufferBytes} have gathered or {@code bufferTime} has passed since the buffer's first record
 * (processing time), then written as one gzip JSON-lines file under {@code
 * {raw}/kinesis/{stream}/ingest_date=YYYY-MM-DD/} (the UTC date of delivery). A file is written
 * under a temporary name and renamed when complete, so readers never see a partial file. When the
 * input ends (a bounded read, {@code --maxReadTime}), what is buffered is delivered too.
 *
 * <p>Input: (stream name, record) pairs in the global window. Output: (file, records) per file
 * delivered, for accounting. Delivery is at least once: after a restore from a checkpoint, records
 * buffered since the checkpoint are delivered again in a new file; the clean zone dedupes by event
 * id.
 */
public final class DeliverRaw
    extends PTransform<PCollection<KV<String, String>>, PCollection<KV<String, Long>>> {
  private final String rawZone;
  private final Duration bufferTime;
  private final long bufferBytes;

  private DeliverRaw(String rawZone, Duration bufferTime, long bufferBytes) {
    this.rawZone = rawZone.endsWith("/") ? rawZone.substring(0, rawZone.length() - 1) : rawZone;
    this.bufferTime = bufferTime;
    this.bufferBytes = bufferBytes;
  }

  /**
   * @param rawZone the raw zone's folder; files go to {rawZone}/kinesis/{stream}/ingest_date=...
   */
  public static DeliverRaw to(String rawZone, Duration bufferTime, long bufferBytes) {
    if (bufferTime.getMillis() <= 0 || bufferBytes <= 0) {
      throw new IllegalArgumentException("raw buffers need a positive time and size");
    }
    return new DeliverRaw(rawZone, bufferTime, bufferBytes);
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<KV<String, String>> records) {
    return records
        .apply("Buffer and deliver", ParDo.of(new BufferFn(rawZone, bufferTime, bufferBytes)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  static final class BufferFn extends DoFn<KV<String, String>, KV<String, Long>> {
    private static final DateTimeFormatter DAY =
        DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter STAMP =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final String rawZone;
    private final Duration bufferTime;
    private final long bufferBytes;
    private final Counter delivered = Metrics.counter("lakebeam.raw", "records_delivered");
    private final Counter files = Metrics.counter("lakebeam.raw", "files_delivered");

    @StateId("stream")
    private final StateSpec<ValueState<String>> streamSpec = StateSpecs.value(StringUtf8Coder.of());

    @StateId("buffer")
    private final StateSpec<BagState<String>> bufferSpec = StateSpecs.bag(StringUtf8Coder.of());

    @StateId("bytes")
    private final StateSpec<ValueState<Long>> bytesSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("due")
    private final TimerSpec dueSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    BufferFn(String rawZone, Duration bufferTime, long bufferBytes) {
      this.rawZone = rawZone;
      this.bufferTime = bufferTime;
      this.bufferBytes = bufferBytes;
    }

    @ProcessElement
    public void process(
        @Element KV<String, String> record,
        @StateId("stream") ValueState<String> stream,
        @StateId("buffer") BagState<String> buffer,
        @StateId("bytes") ValueState<Long> bytes,
        @TimerId("due") Timer due,
        @TimerId("end") Timer end,
        OutputReceiver<KV<String, Long>> out)
        throws IOException {
      Long held = bytes.read();
      if (held == null) { // the first record of a new buffer
        held = 0L;
        due.offset(bufferTime).setRelative();
        end.set(GlobalWindow.INSTANCE.maxTimestamp());
      }
      stream.write(record.getKey());
      buffer.add(record.getValue());
      held += record.getValue().getBytes(StandardCharsets.UTF_8).length + 1;
      bytes.write(held);
      if (held >= bufferBytes) {
        flush(stream, buffer, bytes, due, out);
      }
    }

    @OnTimer("due")
    public void onDue(
        @StateId("stream") ValueState<String> stream,
        @StateId("buffer") BagState<String> buffer,
        @StateId("bytes") ValueState<Long> bytes,
        @TimerId("due") Timer due,
        OutputReceiver<KV<String, Long>> out)
        throws IOException {
      flush(stream, buffer, bytes, null, out);
    }

    @OnTimer("end")
    public void onEnd(
        @StateId("stream") ValueState<String> stream,
        @StateId("buffer") BagState<String> buffer,
        @StateId("bytes") ValueState<Long> bytes,
        OutputReceiver<KV<String, Long>> out)
        throws IOException {
      flush(stream, buffer, bytes, null, out);
    }

    private void flush(
        ValueState<String> stream,
        BagState<String> buffer,
        ValueState<Long> bytes,
        Timer due,
        OutputReceiver<KV<String, Long>> out)
        throws IOException {
      String name = stream.read();
      if (name == null || bytes.read() == null) {
        return; // nothing buffered
      }
      Instant now = Instant.now();
      String folder =
          rawZone + "/kinesis/" + name + "/" + Partitioning.ingestDate(DAY.format(now)) + "/";
      String file =
          name
              + "-"
              + STAMP.format(now)
              + "-"
              + UUID.randomUUID().toString().substring(0, 8)
              + ".jsonl.gz";
      ResourceId temp = FileSystems.matchNewResource(folder + ".temp-" + file, false);
      ResourceId done = FileSystems.matchNewResource(folder + file, false);
      long n = 0;
      try (OutputStream os =
          new GZIPOutputStream(
              Channels.newOutputStream(FileSystems.create(temp, "application/gzip")))) {
        for (String line : buffer.read()) {
          os.write(line.getBytes(StandardCharsets.UTF_8));
          os.write('\n');
          n++;
        }
      }
      FileSystems.rename(
          List.of(temp), List.of(done), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      buffer.clear();
      bytes.clear();
      if (due != null) {
        due.clear();
      }
      delivered.inc(n);
      files.inc();
      out.output(KV.of(folder + file, n));
    }
  }
}
