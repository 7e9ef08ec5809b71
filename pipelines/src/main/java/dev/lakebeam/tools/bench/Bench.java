package dev.lakebeam.tools.bench;

import dev.lakebeam.pipelines.options.BenchOptions;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code bench}: generates a set of the given scale (or reuses it), runs the backfill stage by
 * stage (raw+clean, curated, consumption) on each runner profile, and the plain-Java lower bound of
 * the clean stage's order-line work ({@link LowerBound}) on the same files, and per profile the
 * runner's floor ({@link RunnerFloor}: the order lines read, read through one shuffle as elements
 * of their own, and read into blocks by the clean stage's reader and shuffled, with no cleaning);
 * each in a JVM of its own under GNU time, which gives wall seconds, CPU seconds and peak RSS.
 * Records per second count order lines (the bulk of the data). Prints a table, and appends it to
 * {@code --report} if given.
 */
public final class Bench {
  private static final Path GNU_TIME = Path.of("/usr/bin/time");

  /** --gc's values and the flag each gives the measured JVMs. */
  private static final Map<String, String> GC_FLAGS =
      Map.of("parallel", "-XX:+UseParallelGC", "g1", "-XX:+UseG1GC", "default", "");

  private static final List<List<String>> STAGES =
      List.of(List.of("raw", "clean"), List.of("curated"), List.of("consumption"));

  private final BenchOptions o;
  private final String mainClass;
  private final PrintStream out;
  private final PrintStream err;

  /**
   * @param mainClass the class whose main runs a lakebeam command line: each measured run gets a
   *     JVM of its own
   */
  public Bench(BenchOptions o, String mainClass, PrintStream out, PrintStream err) {
    this.mainClass = mainClass;
    this.o = o;
    this.out = out;
    this.err = err;
  }

  /** One measured child process. */
  record Run(
      String what,
      String profile,
      double wallSeconds,
      double cpuSeconds,
      long peakRssKb,
      long records,
      long outputBytes) {
    double recordsPerSecond() {
      return wallSeconds <= 0 ? 0 : records / wallSeconds;
    }
  }

  private int orders() {
    return o.getOrders() == null ? BenchOptions.DEFAULT_ORDERS : o.getOrders();
  }

  public int run() throws Exception {
    if (orders() < 1) {
      throw new UsageException("--orders must be at least 1, was " + orders());
    }
    List<String> profiles = new ArrayList<>();
    Profiles known = Profiles.standard();
    for (String p : o.getProfiles().split(",")) {
      if (!p.isBlank()) {
        try {
          known.load(p.trim());
        } catch (IllegalArgumentException e) {
          throw new UsageException("--profiles: " + e.getMessage());
        }
        profiles.add(p.trim());
      }
    }
    if (o.getHeap() != null && !o.getHeap().matches("[1-9][0-9]*[kKmMgG]?")) {
      throw new UsageException(
          "--heap must be a size such as 1g or 1536m (as java's -Xmx takes it), was '"
              + o.getHeap()
              + "'");
    }
    if (!GC_FLAGS.containsKey(o.getGc())) {
      throw new UsageException(
          "--gc must be one of " + new TreeSet<>(GC_FLAGS.keySet()) + ", was '" + o.getGc() + "'");
    }
    if (!Files.isExecutable(GNU_TIME)) {
      throw new IllegalStateException(
          "bench measures each stage with GNU time, and "
              + GNU_TIME
              + " is missing (apt-get install time)");
    }
    Path work =
        Path.of(o.getWorkDir() == null ? BenchOptions.DEFAULT_WORK_DIR : o.getWorkDir())
            .toAbsolutePath();
    Path data = work.resolve("data-" + orders() + "-" + o.getSeed());
    Path files = data.resolve("files");
    if (!Files.isRegularFile(files.resolve("order_products__prior.csv"))) {
      err.printf(Locale.ROOT, "bench: generating %,d orders into %s%n", orders(), data);
      deleteTree(data);
      new Generator(
              new Generator.Config(
                  data,
                  orders(),
                  o.getSeed(),
                  Generator.Config.defaultProducts(orders()),
                  OrderTimestamps.DEFAULT_AS_OF),
              err)
          .run();
    } else {
      err.println("bench: reusing the set in " + data);
    }
    long lines =
        dataLines(files.resolve("order_products__prior.csv"))
            + dataLines(files.resolve("order_products__train.csv"));

    List<Run> runs = new ArrayList<>();
    Path lowerOut = work.resolve("lower-bound.parquet");
    err.println("bench: lower bound (plain Java, one thread)");
    Run lower =
        measure(
            "lower bound: order lines parse+validate+Parquet",
            "-",
            lines,
            List.of(LowerBound.class.getName(), files.toString(), lowerOut.toString()),
            work.resolve("lower-bound.log"));
    runs.add(
        new Run(
            lower.what(),
            lower.profile(),
            lower.wallSeconds(),
            lower.cpuSeconds(),
            lower.peakRssKb(),
            lines,
            Files.size(lowerOut)));
    for (String profile : profiles) {
      Path lake = work.resolve("lake-" + profile);
      deleteTree(lake);
      for (String mode : RunnerFloor.MODES) {
        String what = RunnerFloor.title(mode);
        Path log = work.resolve("floor-" + profile + "-" + mode + ".log");
        err.println("bench: " + profile + " " + what);
        Run r =
            measure(
                what,
                profile,
                lines,
                List.of(RunnerFloor.class.getName(), mode, profile, files.toString()),
                log);
        List<String> said = Files.readAllLines(log, StandardCharsets.UTF_8);
        String counted = said.isEmpty() ? "" : said.get(said.size() - 1).trim();
        if (!counted.equals(Long.toString(lines))) {
          throw new IllegalStateException(
              what
                  + " on "
                  + profile
                  + " counted '"
                  + counted
                  + "' order lines, not "
                  + lines
                  + "; see "
                  + log);
        }
        runs.add(r);
      }
      for (List<String> zones : STAGES) {
        String stage = String.join("+", zones);
        Path log = work.resolve("backfill-" + profile + "-" + stage + ".log");
        err.println("bench: " + profile + " " + stage + " (progress every 30 s in " + log + ")");
        Run r =
            measure(
                "backfill " + stage,
                profile,
                lines,
                List.of(
                    mainClass,
                    "backfill",
                    "--profile=" + profile,
                    "--input=" + files,
                    "--lake=" + lake.toUri(),
                    "--zones=" + String.join(",", zones),
                    "--progressSeconds=30"),
                log);
        long bytes = 0;
        for (String z : zones) {
          bytes += treeSize(lake.resolve(z));
        }
        runs.add(
            new Run(
                r.what(), profile, r.wallSeconds(), r.cpuSeconds(), r.peakRssKb(), lines, bytes));
      }
    }

    String table = table(lines, runs);
    out.print(table);
    if (o.getReport() != null) {
      Files.writeString(
          Path.of(o.getReport()),
          table + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      out.println("bench: appended to " + o.getReport());
    }
    return 0;
  }

  private String table(long lines, List<Run> runs) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%n### bench --orders=%d --seed=%d (%s; %s, %d cores, %d GiB; Java %s)%n%n",
            orders(),
            o.getSeed(),
            LocalDate.now(ZoneOffset.UTC),
            cpuModel(),
            Runtime.getRuntime().availableProcessors(),
            memoryGib(),
            System.getProperty("java.version")));
    sb.append(
        String.format(
            Locale.ROOT,
            "%,d order lines. Records/s counts order lines. Heap of each JVM: %s; collector: %s.%n%n",
            lines,
            o.getHeap() == null ? "the JVM's default" : "-Xmx" + o.getHeap(),
            GC_FLAGS.get(o.getGc()).isEmpty() ? "the JVM's default" : GC_FLAGS.get(o.getGc())));
    sb.append(
        "| run | profile | wall s | lines/s | CPU s | peak RSS MiB | output MiB |\n|---|---|---:|---:|---:|---:|---:|\n");
    Run lower = runs.get(0);
    for (Run r : runs) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f | %,.0f | %.1f | %,d | %.1f |%n",
              r.what(),
              r.profile(),
              r.wallSeconds(),
              r.recordsPerSecond(),
              r.cpuSeconds(),
              r.peakRssKb() / 1024,
              r.outputBytes() / 1048576.0));
    }
    sb.append('\n');
    for (Run r : runs) {
      if (r.what().equals("backfill raw+clean")) {
        sb.append(
            String.format(
                Locale.ROOT,
                "Clean stage (raw+clean) on %s: %.1f %% of the lower bound's lines/s.%n",
                r.profile(),
                100 * r.recordsPerSecond() / lower.recordsPerSecond()));
      }
    }
    for (Run r : runs) {
      if (r.what().equals(RunnerFloor.title("shuffle"))) {
        sb.append(
            String.format(
                Locale.ROOT,
                "Runner floor (each line an element, one shuffle, no cleaning) on %s: %.1f %% of the"
                    + " lower bound's lines/s.%n",
                r.profile(),
                100 * r.recordsPerSecond() / lower.recordsPerSecond()));
      }
      if (r.what().equals(RunnerFloor.title("blocks"))) {
        sb.append(
            String.format(
                Locale.ROOT,
                "Runner floor in blocks (the clean stage's reader and its one shuffle of order lines,"
                    + " no cleaning) on %s: %.1f %% of the lower bound's lines/s (the clean stage"
                    + " cannot beat it; #23's target for the clean stage is 50 %%).%n",
                r.profile(),
                100 * r.recordsPerSecond() / lower.recordsPerSecond()));
      }
    }
    for (String profile :
        runs.stream().map(Run::profile).filter(p -> !p.equals("-")).distinct().toList()) {
      double total =
          runs.stream()
              .filter(r -> r.profile().equals(profile) && r.what().startsWith("backfill "))
              .mapToDouble(Run::wallSeconds)
              .sum();
      sb.append(
          String.format(
              Locale.ROOT,
              "Backfill end to end on %s: %.1f s (%,.0f lines/s).%n",
              profile,
              total,
              lines / total));
    }
    return sb.toString();
  }

  /** The flags every measured JVM gets: --heap as -Xmx, --gc as its collector. */
  static List<String> jvmFlags(String heap, String gc) {
    List<String> flags = new ArrayList<>();
    if (heap != null) {
      flags.add("-Xmx" + heap);
    }
    if (!GC_FLAGS.get(gc).isEmpty()) {
      flags.add(GC_FLAGS.get(gc));
    }
    return flags;
  }

  /** Runs a class of this jar in a JVM of its own under GNU time; fails if it fails. */
  private Run measure(String what, String profile, long records, List<String> mainAndArgs, Path log)
      throws Exception {
    Path timeFile = Files.createTempFile("lakebeam-bench", ".time");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                GNU_TIME.toString(),
                "-f",
                "%e %U %S %M",
                "-o",
                timeFile.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmFlags(o.getHeap(), o.getGc()));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.addAll(mainAndArgs);
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException(
          what + " on " + profile + " failed (exit " + code + "); its output is in " + log);
    }
    String[] t = Files.readString(timeFile).trim().split("\\s+");
    Files.deleteIfExists(timeFile);
    double wall = Double.parseDouble(t[t.length - 4]);
    double cpu = Double.parseDouble(t[t.length - 3]) + Double.parseDouble(t[t.length - 2]);
    Run r = new Run(what, profile, wall, cpu, Long.parseLong(t[t.length - 1]), records, 0);
    err.printf(
        Locale.ROOT,
        "bench:   %.1f s wall, %.1f s CPU, %,d MiB peak RSS%n",
        wall,
        cpu,
        r.peakRssKb() / 1024);
    return r;
  }

  /** The CPU model from /proc/cpuinfo ("unknown CPU" elsewhere). */
  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  /** Physical memory in GiB (0 if unknown). */
  private static long memoryGib() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.round(sun.getTotalMemorySize() / (1024.0 * 1024 * 1024));
    }
    return 0;
  }

  private static long dataLines(Path csv) throws IOException {
    if (!Files.exists(csv)) {
      return 0;
    }
    try (Stream<String> s = Files.lines(csv)) {
      return Math.max(0, s.count() - 1);
    }
  }

  private static long treeSize(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
