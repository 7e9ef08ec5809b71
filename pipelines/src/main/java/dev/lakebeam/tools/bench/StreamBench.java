package dev.lakebeam.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.pipelines.lake.LocalTrees;
import dev.lakebeam.pipelines.options.BenchOptions;
import dev.lakebeam.pipelines.options.BenchStreamOptions;
import dev.lakebeam.pipelines.options.ReplayOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.replay.Replayer;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import dev.lakebeam.transforms.io.ParquetFiles;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code bench-stream}: the streaming half of the benchmark (#8). Against the Kinesis that the AWS
 * options point at (an emulator, or an account), it
 *
 * <ol>
 *   <li>measures the put ceiling: every order event of the set put unpaced into a scratch stream,
 *       records per second;
 *   <li>starts the stream (profile {@code local-streaming}, its own JVM) on a fresh orders stream,
 *       with the set's dimensions backfilled into its clean zone;
 *   <li>puts {@code --streamOrders} order events at {@code --eventsPerSecond}, each stamped with
 *       the time it is put ({@code order_ts}: live events, as in production), and watches the lake:
 *       the clean zone's orders and order lines, and {@code department_sales_1m}.
 * </ol>
 *
 * It reports the put rate achieved, the sustained rate into clean (between 10 % and 90 % of the
 * events), and freshness: for each order, from its put to the first visible {@code
 * department_sales_1m} row of each of its (minute, department) pairs that counts it (an order is
 * counted when the pair's distinct-order count reaches the order's rank among the pair's orders in
 * put order), p50/p90/p99/max.
 */
public final class StreamBench {
  /** Options passed on to the stream's JVM: where Kinesis is, and the stream's windows. */
  private static final List<String> AWS_OPTIONS =
      List.of(
          "endpoint",
          "awsRegion",
          "awsCredentialsProvider",
          "proxyConfiguration",
          "httpClientConfiguration",
          "windowSeconds",
          "earlyFiringSeconds",
          "idleSeconds",
          "allowedLatenessSeconds");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BenchStreamOptions o;
  private final String mainClass;
  private final Map<String, String> given;
  private final PrintStream out;
  private final PrintStream err;

  /**
   * @param mainClass the class whose main runs a lakebeam command line, for the stream job's own
   *     JVM
   */
  public StreamBench(
      BenchStreamOptions o,
      String mainClass,
      Map<String, String> given,
      PrintStream out,
      PrintStream err) {
    this.mainClass = mainClass;
    this.o = o;
    this.given = given;
    this.out = out;
    this.err = err;
  }

  /** One order as put: when, its minute window and its departments. */
  private record Put(int orderId, long putMillis, long windowStart, Set<Integer> departments) {}

  public int run() throws Exception {
    int n = o.getStreamOrders();
    int rate = o.getEventsPerSecond();
    if (n < 1 || rate < 1 || o.getBenchShards() < 1 || o.getCatchUpSeconds() < 1) {
      throw new UsageException(
          "--streamOrders, --eventsPerSecond, --benchShards and --catchUpSeconds must be at least 1");
    }
    Path work =
        Path.of(o.getWorkDir() == null ? BenchOptions.DEFAULT_WORK_DIR : o.getWorkDir())
            .toAbsolutePath();
    Path data = work.resolve("stream-data-" + n + "-" + o.getSeed());
    if (!Files.isRegularFile(data.resolve("kinesis").resolve("orders.jsonl"))) {
      err.printf(Locale.ROOT, "bench-stream: generating %,d orders into %s%n", n, data);
      Bench.deleteTree(data);
      new Generator(
              new Generator.Config(
                  data,
                  n,
                  o.getSeed(),
                  Generator.Config.defaultProducts(n),
                  OrderTimestamps.DEFAULT_AS_OF),
              err)
          .run();
    }
    String suffix = Long.toString(System.currentTimeMillis(), 36);

    // 1. Kinesis's own ceiling: the set's order events put unpaced.
    List<String> events =
        Files.readAllLines(data.resolve("kinesis").resolve("orders.jsonl"), StandardCharsets.UTF_8)
            .stream()
            .filter(l -> !l.isBlank())
            .limit(n)
            .toList();
    Path ceilingDir = Files.createDirectories(work.resolve("stream-ceiling").resolve("kinesis"));
    Files.write(ceilingDir.resolve("orders.jsonl"), events, StandardCharsets.UTF_8);
    err.println(
        "bench-stream: Kinesis's put ceiling (" + events.size() + " order events, unpaced)");
    String scratch = "lakebeam-bench-ceiling-" + suffix;
    Path none = Files.createDirectories(work.resolve("stream-none").resolve("kinesis"));
    Files.write(none.resolve("orders.jsonl"), List.of(), StandardCharsets.UTF_8);
    replay(none.getParent(), scratch, 0); // creates the stream: not part of the put time
    long t0 = System.nanoTime();
    replay(ceilingDir.getParent(), scratch, 0);
    double ceilingSeconds = (System.nanoTime() - t0) / 1e9;
    double ceiling = events.size() / ceilingSeconds;
    err.printf(Locale.ROOT, "bench-stream:   %,.0f events/s%n", ceiling);

    // 2. The dimensions, then the stream on a fresh orders stream.
    Path lake = work.resolve("stream-lake");
    Bench.deleteTree(lake);
    Path dims = work.resolve("stream-dims");
    Bench.deleteTree(dims);
    err.println("bench-stream: backfilling the dimensions");
    Path backfillLog = work.resolve("stream-dims.log");
    int backfilled =
        child(
                List.of(
                    "backfill",
                    "--profile=local",
                    "--input=" + data.resolve("files"),
                    "--lake=" + dims.toUri(),
                    "--zones=raw,clean",
                    "--progressSeconds=0"),
                backfillLog)
            .waitFor();
    if (backfilled != 0) {
      throw new IllegalStateException(
          "the dimensions' backfill failed (exit " + backfilled + "); see " + backfillLog);
    }
    for (String d : List.of("departments", "aisles", "products", "customers")) {
      copyTree(dims.resolve("clean").resolve(d), lake.resolve("clean").resolve(d));
    }
    if (!Files.isDirectory(lake.resolve("clean").resolve("products"))) {
      throw new IllegalStateException(
          "the dimensions' backfill wrote no clean products; see " + backfillLog);
    }
    Map<Integer, Integer> departmentOf =
        productDepartments(data.resolve("files").resolve("products.csv"));
    String stream = "lakebeam-bench-orders-" + suffix;
    Path streamDir = Files.createDirectories(work.resolve("stream-events").resolve("kinesis"));
    replay(none.getParent(), stream, 0); // creates the stream, puts nothing
    Path log = work.resolve("stream.log");
    List<String> args =
        new ArrayList<>(
            List.of(
                "stream",
                "--profile=local-streaming",
                "--streams=orders",
                "--ordersStream=" + stream,
                "--lake=" + lake.toUri(),
                "--initialPosition=TRIM_HORIZON"));
    Process job = child(args, log);
    try {
      waitForReading(job, log);

      // 3. Live events at the rate, watched in the lake.
      long start = System.currentTimeMillis() + 1000;
      List<Put> puts = new ArrayList<>(events.size());
      List<String> live = new ArrayList<>(events.size());
      long lines = 0;
      for (int i = 0; i < events.size(); i++) {
        ObjectNode e = (ObjectNode) JSON.readTree(events.get(i));
        long at = start + Math.round(i * 1000.0 / rate);
        e.put("order_ts", Instant.ofEpochMilli(at).toString());
        Set<Integer> departments = new HashSet<>();
        e.get("lines")
            .forEach(
                l -> departments.add(departmentOf.getOrDefault(l.get("product_id").asInt(), -1)));
        lines += e.get("lines").size();
        puts.add(
            new Put(e.get("order_id").asInt(), at, at - Math.floorMod(at, 60_000L), departments));
        live.add(JSON.writeValueAsString(e));
      }
      Files.write(streamDir.resolve("orders.jsonl"), live, StandardCharsets.UTF_8);
      while (System.currentTimeMillis() < start) {
        Thread.sleep(5);
      }
      err.printf(
          Locale.ROOT,
          "bench-stream: putting %,d order events (%,d lines) at %d/s%n",
          puts.size(),
          lines,
          rate);
      CompletableFuture<Void> putting =
          CompletableFuture.runAsync(
              () -> {
                try {
                  replay(streamDir.getParent(), stream, rate);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Watcher w = new Watcher(lake, puts);
      long lastPut = 0;
      long giveUp = Long.MAX_VALUE;
      long lastProgress = System.currentTimeMillis();
      while (!(w.cleanOrders >= puts.size() && w.cleanLines >= lines && w.salesComplete())
          && System.currentTimeMillis() < giveUp) {
        if (!job.isAlive()) {
          throw new IllegalStateException(
              "the stream ended (exit " + job.exitValue() + "); see " + log);
        }
        Thread.sleep(200);
        w.poll();
        if (putting.isDone() && lastPut == 0) {
          putting.join(); // a failed replay fails the bench
          lastPut = System.currentTimeMillis();
          giveUp = lastPut + TimeUnit.SECONDS.toMillis(o.getCatchUpSeconds());
        }
        if (System.currentTimeMillis() - lastProgress >= 10_000) {
          lastProgress = System.currentTimeMillis();
          err.printf(
              Locale.ROOT,
              "bench-stream:   %.0f s: clean %,d/%,d orders, %,d/%,d lines; department_sales_1m counts %,d orders%n",
              (lastProgress - start) / 1000.0,
              w.cleanOrders,
              puts.size(),
              w.cleanLines,
              lines,
              w.visibleOrders());
        }
      }
      if (lastPut == 0) {
        putting.join();
        lastPut = System.currentTimeMillis();
      }
      String table = report(puts, lines, w, start, lastPut, ceiling, log);
      out.print(table);
      if (o.getReport() != null) {
        Files.writeString(
            Path.of(o.getReport()),
            table + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        out.println("bench-stream: appended to " + o.getReport());
      }
      return 0;
    } finally {
      job.destroy();
      if (!job.waitFor(30, TimeUnit.SECONDS)) {
        job.destroyForcibly();
      }
    }
  }

  private String report(
      List<Put> puts, long lines, Watcher w, long start, long lastPut, double ceiling, Path log) {
    double putSeconds = (lastPut - start) / 1000.0;
    long[] fresh = w.freshness();
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%n### bench-stream --streamOrders=%d --eventsPerSecond=%d (%s; %d cores; Java %s)%n%n",
            puts.size(),
            o.getEventsPerSecond(),
            LocalDate.now(ZoneOffset.UTC),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version")));
    sb.append(
        String.format(
            Locale.ROOT,
            "Kinesis at %s; stream on profile local-streaming, %d shards; %,d order events (%,d lines), "
                + "each stamped with the time it is put.%n%n",
            given.getOrDefault("endpoint", "the account's endpoint"),
            o.getBenchShards(),
            puts.size(),
            lines));
    sb.append("| measure | value |\n|---|---:|\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "| Kinesis put ceiling (unpaced `replay` of the same events) | %,.0f events/s |%n",
            ceiling));
    sb.append(
        String.format(
            Locale.ROOT,
            "| put rate achieved | %,.1f events/s |%n",
            puts.size() / Math.max(putSeconds, 1e-3)));
    long[] clean = w.cleanLatencies();
    int q = Math.max(1, clean.length / 4);
    long[] first = Arrays.stream(clean, 0, q).filter(v -> v >= 0).sorted().toArray();
    long[] last =
        Arrays.stream(clean, clean.length - q, clean.length).filter(v -> v >= 0).sorted().toArray();
    long[] all = Arrays.stream(clean).filter(v -> v >= 0).sorted().toArray();
    if (all.length > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| put → in clean: p50 / p99 / max | %.1f / %.1f / %.1f s |%n",
              pct(all, 50),
              pct(all, 99),
              all[all.length - 1] / 1000.0));
    }
    if (first.length > 0 && last.length > 0) {
      // Keeping up: the last quarter of the orders reaches clean no later (p50) than the first
      // quarter did, give or take one window (clean fills a window at a time).
      boolean keptUp = pct(last, 50) <= pct(first, 50) + o.getWindowSeconds();
      sb.append(
          String.format(
              Locale.ROOT,
              "| sustained into clean | %s (put → clean p50: first quarter %.1f s, last quarter %.1f s) |%n",
              keptUp
                  ? String.format(
                      Locale.ROOT,
                      "%,.1f events/s: kept up with the puts",
                      puts.size() / Math.max(putSeconds, 1e-3))
                  : "fell behind the puts",
              pct(first, 50),
              pct(last, 50)));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "| orders / lines in clean at the end | %,d / %,d of %,d / %,d |%n",
            w.cleanOrders,
            w.cleanLines,
            puts.size(),
            lines));
    sb.append(
        String.format(
            Locale.ROOT,
            "| last order in clean after the last put | %s |%n",
            w.cleanCompleteAt == 0
                ? "not within the wait"
                : String.format(Locale.ROOT, "%.1f s", (w.cleanCompleteAt - lastPut) / 1000.0)));
    if (fresh.length > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| freshness, put → counted in department_sales_1m: p50 / p90 / p99 / max | %.1f / %.1f / %.1f / %.1f s |%n",
              pct(fresh, 50),
              pct(fresh, 90),
              pct(fresh, 99),
              fresh[fresh.length - 1] / 1000.0));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "| orders counted in department_sales_1m | %,d of %,d (the orders with lines) |%n",
            fresh.length,
            w.withLines().size()));
    sb.append(
        String.format(
            Locale.ROOT,
            "%nThe stream's log: %s. The lake is watched every 0.2 s, so times carry up to 0.2 s of polling.%n",
            log));
    return sb.toString();
  }

  private static double pct(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
  }

  /**
   * Polls the stream's lake: clean row counts over time and department_sales_1m's counts per
   * (minute, department).
   */
  private static final class Watcher {
    private final Path lake;
    private final List<Put> puts;
    private final Set<String> seen = new HashSet<>();

    /** (window start, department) → the time each distinct-order count was first seen. */
    private final Map<String, List<Long>> countSeenAt = new HashMap<>();

    /** (window start, department) → ranks in put order: order id → rank (1-based). */
    private final Map<String, Map<Integer, Integer>> rank = new HashMap<>();

    private final List<long[]> cleanSeries = new ArrayList<>();
    long cleanOrders;
    long cleanLines;
    long cleanCompleteAt;

    Watcher(Path lake, List<Put> puts) {
      this.lake = lake;
      this.puts = puts;
      for (Put p : puts) {
        for (int d : p.departments()) {
          rank.computeIfAbsent(p.windowStart() + "/" + d, k -> new HashMap<>())
              .merge(p.orderId(), 0, (a, b) -> a);
        }
      }
      Map<String, Integer> next = new HashMap<>();
      for (Put p : puts) {
        for (int d : p.departments()) {
          String key = p.windowStart() + "/" + d;
          rank.get(key).put(p.orderId(), next.merge(key, 1, Integer::sum));
        }
      }
    }

    void poll() throws IOException {
      long now = System.currentTimeMillis();
      for (Path f : newFiles(lake.resolve("clean").resolve("orders"))) {
        cleanOrders += ParquetFiles.forEachInFile(f.toString(), r -> {});
      }
      for (Path f : newFiles(lake.resolve("clean").resolve("order_lines"))) {
        cleanLines += ParquetFiles.forEachInFile(f.toString(), r -> {});
      }
      cleanSeries.add(new long[] {now, cleanOrders});
      if (cleanCompleteAt == 0 && cleanOrders >= puts.size()) {
        cleanCompleteAt = now;
      }
      for (Path f : newFiles(lake.resolve("consumption").resolve("department_sales_1m"))) {
        ParquetFiles.forEachInFile(
            f.toString(),
            (GenericRecord g) -> {
              String key = millis(g.get("window_start")) + "/" + g.get("department_id");
              int count = ((Number) g.get("orders")).intValue();
              List<Long> at = countSeenAt.computeIfAbsent(key, k -> new ArrayList<>());
              while (at.size() < count) {
                at.add(now);
              }
            });
      }
    }

    private static long millis(Object v) {
      return v instanceof Number num ? num.longValue() : Instant.parse(v.toString()).toEpochMilli();
    }

    /** Files not read yet, finished ones only (no hidden, temporary or underscore names). */
    private List<Path> newFiles(Path dir) throws IOException {
      if (!Files.isDirectory(dir)) {
        return List.of();
      }
      try (Stream<Path> s = Files.walk(dir)) {
        return s.filter(Files::isRegularFile)
            .filter(
                f -> {
                  String name = f.getFileName().toString();
                  String rel = dir.relativize(f).toString();
                  return name.endsWith(".parquet")
                      && !name.startsWith(".")
                      && !rel.startsWith("_")
                      && !rel.contains("/_")
                      && !rel.contains("/.")
                      && seen.add(f.toString());
                })
            .sorted()
            .toList();
      }
    }

    /**
     * When the order became counted in every one of its (minute, department) rows; 0 if not yet.
     */
    private long visibleAt(Put p) {
      long at = 0;
      for (int d : p.departments()) {
        String key = p.windowStart() + "/" + d;
        List<Long> seenAt = countSeenAt.get(key);
        int r = rank.get(key).get(p.orderId());
        if (seenAt == null || seenAt.size() < r) {
          return 0;
        }
        at = Math.max(at, seenAt.get(r - 1));
      }
      return at;
    }

    /**
     * Orders with lines: the ones department_sales_1m counts (Instacart's test orders have none).
     */
    List<Put> withLines() {
      return puts.stream().filter(p -> !p.departments().isEmpty()).toList();
    }

    boolean salesComplete() {
      return withLines().stream().allMatch(p -> visibleAt(p) > 0);
    }

    long visibleOrders() {
      return withLines().stream().filter(p -> visibleAt(p) > 0).count();
    }

    /** Put → visible, in milliseconds, sorted; orders never seen left out. */
    long[] freshness() {
      return withLines().stream()
          .mapToLong(
              p -> {
                long at = visibleAt(p);
                return at == 0 ? -1 : Math.max(0, at - p.putMillis());
              })
          .filter(v -> v >= 0)
          .sorted()
          .toArray();
    }

    /**
     * Put → in clean per order, in put order (the n-th order put counts as in clean once clean
     * holds n orders: clean fills window by window in event-time order); -1 if never.
     */
    long[] cleanLatencies() {
      long[] lat = new long[puts.size()];
      int i = 0;
      for (long[] point : cleanSeries) {
        while (i < puts.size() && point[1] > i) {
          lat[i] = Math.max(0, point[0] - puts.get(i).putMillis());
          i++;
        }
      }
      for (; i < puts.size(); i++) {
        lat[i] = -1;
      }
      return lat;
    }
  }

  private void replay(Path input, String stream, int rate) throws Exception {
    ReplayOptions r = o.as(ReplayOptions.class);
    r.setInput(input.toString());
    r.setStreams("orders");
    r.setOrdersStream(stream);
    r.setShards(o.getBenchShards());
    r.setRate((double) rate);
    r.setSpeedup(0.0);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(sink, true, StandardCharsets.UTF_8);
    if (new Replayer(r, quiet, quiet).run() != 0) {
      throw new IllegalStateException(
          "replay into " + stream + " failed: " + sink.toString(StandardCharsets.UTF_8));
    }
  }

  /** A lakebeam command in a JVM of its own, with the AWS options given to the bench. */
  private Process child(List<String> args, Path log) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
    cmd.addAll(args);
    if (args.get(0).equals("stream")) {
      for (String k : AWS_OPTIONS) {
        if (given.containsKey(k)) {
          cmd.add("--" + k + "=" + given.get(k));
        }
      }
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void waitForReading(Process job, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!job.isAlive()) {
        throw new IllegalStateException(
            "the stream ended before reading (exit " + job.exitValue() + "); see " + log);
      }
      if (Files.readString(log).contains("stream: reading")) {
        Thread.sleep(10_000); // the job's operators start after the submission
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the stream did not start reading within 3 minutes; see " + log);
  }

  private static Map<Integer, Integer> productDepartments(Path productsCsv) throws IOException {
    Map<Integer, Integer> m = new HashMap<>();
    try (BufferedReader r = Files.newBufferedReader(productsCsv, StandardCharsets.UTF_8)) {
      List<String> header = Arrays.asList(r.readLine().split(","));
      if (header.indexOf("product_id") != 0
          || header.indexOf("department_id") != header.size() - 1) {
        throw new IllegalStateException(
            productsCsv + ": expected product_id first and department_id last, got " + header);
      }
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        // product names may hold quoted commas: the id is the first field, the department the last
        String[] f = line.split(",");
        m.put(Integer.parseInt(f[0]), Integer.parseInt(f[f.length - 1]));
      }
    }
    return m;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    if (Files.isDirectory(from)) {
      LocalTrees.copy(from, to);
    }
  }
}
