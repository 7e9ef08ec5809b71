package dev.lakebeam.pipelines.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.options.ReplayOptions;
import dev.lakebeam.pipelines.options.StreamOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.schemas.SourceDataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * {@code replay}: pushes a data set's {@code kinesis/*.jsonl} events into Kinesis Data Streams with
 * PutRecords, the way the shop's services would: creates a stream that does not exist yet ({@code
 * --shards}), batches up to 500 records or 5 MB, keys each record by customer (orders by {@code
 * user_id}, clicks by {@code customer_id} or else the session, feedback by its id), retries the
 * records Kinesis refuses (throttling, internal errors) with exponential backoff up to {@code
 * --maxAttempts}, optionally paces to {@code --rate} records/s or replays in event-time order
 * {@code --speedup} times faster than real time, and prints progress every 5 s.
 */
public final class Replayer {
  /** PutRecords limits of Kinesis Data Streams. */
  static final int MAX_BATCH_RECORDS = 500;

  static final int MAX_BATCH_BYTES = 5 * 1024 * 1024;
  static final int MAX_RECORD_BYTES = 1024 * 1024;

  /** One event to put. */
  record Event(SourceDataset stream, String partitionKey, Instant time, byte[] data) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ReplayOptions o;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<SourceDataset, Long> put = new LinkedHashMap<>();
  private final Map<SourceDataset, Long> total = new LinkedHashMap<>();
  private long retried;
  private long started;
  private long lastProgress;

  public Replayer(ReplayOptions o, PrintStream out, PrintStream err) {
    this.o = o;
    this.out = out;
    this.err = err;
  }

  public int run() throws IOException, InterruptedException {
    if (o.getShards() < 1) {
      throw new UsageException("--shards must be at least 1, was " + o.getShards());
    }
    if (o.getRate() < 0 || o.getSpeedup() < 0 || o.getMaxAttempts() < 1) {
      throw new UsageException("--rate and --speedup must be >= 0 and --maxAttempts >= 1");
    }
    if (o.getRate() > 0 && o.getSpeedup() > 0) {
      throw new UsageException(
          "--rate and --speedup exclude each other: pace by count or by event time");
    }
    Path dir = kinesisDir(o.getInput());
    Map<SourceDataset, Path> files = new LinkedHashMap<>();
    for (SourceDataset s : StreamOptions.sources(o)) {
      Path f = dir.resolve(id(s) + ".jsonl");
      Path gz = dir.resolve(id(s) + ".jsonl.gz");
      if (Files.isRegularFile(f)) {
        files.put(s, f);
      } else if (Files.isRegularFile(gz)) {
        files.put(s, gz);
      } else {
        throw new UsageException(
            "no "
                + f.getFileName()
                + " in "
                + dir
                + " (generate writes kinesis/orders.jsonl, clickstream.jsonl, feedback.jsonl)");
      }
    }
    try (KinesisClient kinesis =
        ClientBuilderFactory.defaultFactory().create(KinesisClient.builder(), o).build()) {
      for (SourceDataset s : files.keySet()) {
        ensureStream(kinesis, StreamOptions.streamName(o, s));
      }
      started = System.nanoTime();
      lastProgress = started;
      if (o.getSpeedup() > 0) {
        List<Event> all = new ArrayList<>();
        for (Map.Entry<SourceDataset, Path> e : files.entrySet()) {
          read(e.getKey(), e.getValue(), all::add);
        }
        all.sort(Comparator.comparing(Event::time));
        all.forEach(ev -> total.merge(ev.stream(), 1L, Long::sum));
        replayInEventTime(kinesis, all);
      } else {
        for (Map.Entry<SourceDataset, Path> e : files.entrySet()) {
          total.put(e.getKey(), lines(e.getValue()));
        }
        int maxBatch = batchForRate(o.getRate());
        for (Map.Entry<SourceDataset, Path> e : files.entrySet()) {
          List<Event> batch = new ArrayList<>();
          int[] bytes = {0};
          read(
              e.getKey(),
              e.getValue(),
              ev -> {
                if (batch.size() == maxBatch
                    || bytes[0] + ev.data().length + ev.partitionKey().length() > MAX_BATCH_BYTES) {
                  send(kinesis, batch);
                  batch.clear();
                  bytes[0] = 0;
                }
                batch.add(ev);
                bytes[0] += ev.data().length + ev.partitionKey().length();
              });
          send(kinesis, batch);
        }
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long n = put.values().stream().mapToLong(Long::longValue).sum();
    out.printf(
        Locale.ROOT,
        "replay: %,d records in %.1f s (%,.0f/s), %,d retried%n",
        n,
        seconds,
        n / Math.max(seconds, 1e-3),
        retried);
    put.forEach(
        (s, c) ->
            out.printf(
                Locale.ROOT, "  %-12s -> %-28s %,d%n", id(s), StreamOptions.streamName(o, s), c));
    return 0;
  }

  private static Path kinesisDir(String input) {
    Path p = Path.of(input);
    if (Files.isDirectory(p.resolve("kinesis"))) {
      return p.resolve("kinesis");
    }
    Path twin = p.toAbsolutePath().normalize().resolveSibling("kinesis");
    if (p.toAbsolutePath().normalize().getFileName().toString().equals("files")
        && Files.isDirectory(twin)) {
      return twin; // a data set's files/ folder (the shared --input default): its events are beside
      // it
    }
    if (Files.isDirectory(p)) {
      return p;
    }
    throw new UsageException(
        "--input must be a data set folder with kinesis/ or a kinesis folder, was "
            + p.toAbsolutePath());
  }

  private void ensureStream(KinesisClient kinesis, String name) throws InterruptedException {
    try {
      kinesis.describeStreamSummary(b -> b.streamName(name));
    } catch (ResourceNotFoundException e) {
      kinesis.createStream(b -> b.streamName(name).shardCount(o.getShards()));
      err.println("replay: created stream " + name + " with " + o.getShards() + " shards");
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (kinesis
            .describeStreamSummary(b -> b.streamName(name))
            .streamDescriptionSummary()
            .streamStatus()
        != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "stream " + name + " did not become ACTIVE within 2 minutes");
      }
      Thread.sleep(200);
    }
  }

  /**
   * Puts events in event-time order, each no earlier than (its time − the first time) / speedup
   * after the start.
   */
  private void replayInEventTime(KinesisClient kinesis, List<Event> all)
      throws InterruptedException {
    if (all.isEmpty()) {
      return;
    }
    Instant first = all.get(0).time();
    Map<SourceDataset, List<Event>> pending = new LinkedHashMap<>();
    for (Event ev : all) {
      long dueNanos =
          started + (long) (Duration.between(first, ev.time()).toNanos() / o.getSpeedup());
      long wait = dueNanos - System.nanoTime();
      if (wait > 50_000_000L) { // more than 50 ms ahead: send what is due, then wait
        flush(kinesis, pending);
        Thread.sleep(wait / 1_000_000L);
      }
      List<Event> batch = pending.computeIfAbsent(ev.stream(), k -> new ArrayList<>());
      batch.add(ev);
      if (batch.size() == MAX_BATCH_RECORDS) {
        send(kinesis, batch);
        batch.clear();
      }
    }
    flush(kinesis, pending);
  }

  private void flush(KinesisClient kinesis, Map<SourceDataset, List<Event>> pending)
      throws InterruptedException {
    for (List<Event> batch : pending.values()) {
      send(kinesis, batch);
      batch.clear();
    }
  }

  /** PutRecords one batch (one stream), retrying refused records with backoff; paces to --rate. */
  private void send(KinesisClient kinesis, List<Event> batch) {
    if (batch.isEmpty()) {
      return;
    }
    SourceDataset source = batch.get(0).stream();
    String stream = StreamOptions.streamName(o, source);
    List<Event> todo = new ArrayList<>(batch);
    long backoff = 100;
    for (int attempt = 1; !todo.isEmpty(); attempt++) {
      List<PutRecordsRequestEntry> entries = new ArrayList<>(todo.size());
      for (Event ev : todo) {
        entries.add(
            PutRecordsRequestEntry.builder()
                .partitionKey(ev.partitionKey())
                .data(SdkBytes.fromByteArray(ev.data()))
                .build());
      }
      List<Event> refused = new ArrayList<>();
      String lastError = null;
      try {
        PutRecordsResponse r = kinesis.putRecords(b -> b.streamName(stream).records(entries));
        List<PutRecordsResultEntry> results = r.records();
        for (int i = 0; i < results.size(); i++) {
          if (results.get(i).errorCode() != null) {
            refused.add(todo.get(i));
            lastError = results.get(i).errorCode() + ": " + results.get(i).errorMessage();
          }
        }
      } catch (ProvisionedThroughputExceededException
          | KmsThrottlingException
          | SdkClientException e) {
        refused = todo; // the whole call was throttled or the connection failed: all of it again
        lastError = e.getMessage();
      }
      put.merge(source, (long) (todo.size() - refused.size()), Long::sum);
      if (!refused.isEmpty()) {
        if (attempt >= o.getMaxAttempts()) {
          throw new IllegalStateException(
              refused.size()
                  + " records to "
                  + stream
                  + " still refused after "
                  + attempt
                  + " attempts ("
                  + lastError
                  + "); "
                  + put.values().stream().mapToLong(Long::longValue).sum()
                  + " were put");
        }
        retried += refused.size();
        sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
      todo = refused;
    }
    pace();
    progress();
  }

  /**
   * Records per PutRecords call: up to 500 unpaced; with --rate, a tenth of a second's worth (at
   * least one), so that records arrive at a steady rate rather than in one burst per 500 followed
   * by a pause.
   */
  static int batchForRate(double rate) {
    return rate <= 0
        ? MAX_BATCH_RECORDS
        : (int) Math.max(1, Math.min(MAX_BATCH_RECORDS, Math.ceil(rate / 10)));
  }

  private void pace() {
    if (o.getRate() <= 0) {
      return;
    }
    long n = put.values().stream().mapToLong(Long::longValue).sum();
    long due = started + (long) (n * 1e9 / o.getRate());
    long wait = due - System.nanoTime();
    if (wait > 0) {
      sleep(wait / 1_000_000L);
    }
  }

  private void progress() {
    long now = System.nanoTime();
    if (now - lastProgress < 5_000_000_000L) {
      return;
    }
    lastProgress = now;
    StringBuilder sb =
        new StringBuilder(
            String.format(Locale.ROOT, "replay: %,d s:", (now - started) / 1_000_000_000L));
    total.forEach(
        (s, t) ->
            sb.append(
                String.format(Locale.ROOT, " %s %,d/%,d", id(s), put.getOrDefault(s, 0L), t)));
    if (retried > 0) {
      sb.append(String.format(Locale.ROOT, ", %,d retried", retried));
    }
    err.println(sb);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  interface EventSink {
    void accept(Event e);
  }

  /**
   * Reads a stream's file, line by line; a line that is not a JSON object with the stream's fields
   * is a usage error.
   */
  static void read(SourceDataset s, Path file, EventSink sink) throws IOException {
    SourceDataset.Stream def = s.stream().orElseThrow();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      long n = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        byte[] data = line.getBytes(StandardCharsets.UTF_8);
        if (data.length > MAX_RECORD_BYTES) {
          throw new UsageException(
              file
                  + ":"
                  + n
                  + " is "
                  + data.length
                  + " bytes; a Kinesis record holds at most 1 MiB");
        }
        JsonNode j;
        try {
          j = JSON.readTree(line);
        } catch (IOException e) {
          throw new UsageException(file + ":" + n + " is not JSON: " + e.getMessage());
        }
        String key = text(j, def.partitionKey());
        if (key == null && s == SourceDataset.CLICK_EVENTS) {
          key = text(j, "session_id");
        }
        String time = text(j, def.timeField());
        if (key == null || time == null) {
          throw new UsageException(
              file + ":" + n + " lacks " + def.partitionKey() + " or " + def.timeField());
        }
        Instant t;
        try {
          t = Instant.parse(time);
        } catch (DateTimeParseException e) {
          throw new UsageException(
              file
                  + ":"
                  + n
                  + ": "
                  + def.timeField()
                  + " '"
                  + time
                  + "' is not an ISO-8601 instant");
        }
        sink.accept(new Event(s, key, t, data));
      }
    }
  }

  private static String text(JsonNode j, String field) {
    JsonNode v = j.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** Non-blank lines of a file (for the progress line's totals). */
  private static long lines(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return r.lines().filter(l -> !l.isBlank()).count();
    }
  }

  /** The stream's id: its file name in kinesis/ and its name in --streams. */
  private static String id(SourceDataset s) {
    return s.stream().orElseThrow().name();
  }
}
