package dev.lakebeam.pipelines.cli;

import dev.lakebeam.pipelines.backfill.Backfill;
import dev.lakebeam.pipelines.lake.LakeUpgrade;
import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.BenchOptions;
import dev.lakebeam.pipelines.options.BenchStreamOptions;
import dev.lakebeam.pipelines.options.Command;
import dev.lakebeam.pipelines.options.DdlOptions;
import dev.lakebeam.pipelines.options.GenerateOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.OptionParser;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.options.QueryOptions;
import dev.lakebeam.pipelines.options.ReplayOptions;
import dev.lakebeam.pipelines.options.ReportOptions;
import dev.lakebeam.pipelines.options.SeedRdsOptions;
import dev.lakebeam.pipelines.options.StreamOptions;
import dev.lakebeam.pipelines.options.TrainModelOptions;
import dev.lakebeam.pipelines.options.UpgradeOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.query.Query;
import dev.lakebeam.pipelines.query.ResultPrinter;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.pipelines.rds.RdsSeeder;
import dev.lakebeam.pipelines.replay.Replayer;
import dev.lakebeam.pipelines.report.Report;
import dev.lakebeam.pipelines.run.BuildInfo;
import dev.lakebeam.pipelines.stream.StreamPipeline;
import dev.lakebeam.schemas.AthenaDdl;
import dev.lakebeam.tools.bench.Bench;
import dev.lakebeam.tools.bench.StreamBench;
import dev.lakebeam.tools.generate.Generator;
import dev.lakebeam.tools.train.TrainModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;

/** The handlers of the utility commands; pipelines have their own classes. */
public final class Commands {
  private Commands() {}

  /**
   * @param mainClass the class whose main runs a command line, for the benches' runs in JVMs of
   *     their own
   */
  public static int run(
      Command command,
      OptionParser.Parsed parsed,
      String mainClass,
      PrintStream out,
      PrintStream err)
      throws Exception {
    switch (command) {
      case GENERATE:
        return generate(parsed.options().as(GenerateOptions.class), out, err);
      case DDL:
        return ddl(parsed.options().as(DdlOptions.class), out);
      case PROFILES:
        return profiles(out);
      case QUERY:
        return query(parsed.options().as(QueryOptions.class), parsed.arguments(), out);
      case UPGRADE:
        return upgrade(parsed.options().as(UpgradeOptions.class), out);
      case REPORT:
        return report(parsed.options().as(ReportOptions.class), out);
      case BACKFILL:
        new Backfill(
                parsed.options().as(BackfillOptions.class),
                parsed.profile().name(),
                parsed.values(),
                out,
                err)
            .run();
        return 0;
      case STREAM:
        return new StreamPipeline(parsed.options().as(StreamOptions.class), out, err).run();
      case REPLAY:
        return new Replayer(parsed.options().as(ReplayOptions.class), out, err).run();
      case TRAIN_MODEL:
        return new TrainModel(parsed.options().as(TrainModelOptions.class), out).run();
      case BENCH:
        return new Bench(parsed.options().as(BenchOptions.class), mainClass, out, err).run();
      case BENCH_STREAM:
        return new StreamBench(
                parsed.options().as(BenchStreamOptions.class), mainClass, parsed.values(), out, err)
            .run();
      case SEED_RDS:
        return seedRds(parsed.options().as(SeedRdsOptions.class), out, err);
      default:
        throw new IllegalStateException("no handler for " + command.cliName());
    }
  }

  static int generate(GenerateOptions o, PrintStream out, PrintStream err) throws Exception {
    LocalDate asOf = date("--asOf", o.getAsOf());
    int orders = o.getOrders() == null ? GenerateOptions.DEFAULT_ORDERS : o.getOrders();
    int products =
        o.getProducts() == null ? Generator.Config.defaultProducts(orders) : o.getProducts();
    Generator.Config cfg;
    try {
      cfg =
          new Generator.Config(
              Path.of(o.getOut() == null ? GenerateOptions.DEFAULT_OUT : o.getOut()),
              orders,
              o.getSeed(),
              products,
              asOf);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
    long start = System.nanoTime();
    Generator.Summary s = new Generator(cfg, err).run();
    out.printf(
        Locale.ROOT,
        "generate: %,d orders of %,d users (%,d prior + %,d train lines), %,d products, %,d click events, %,d feedback in %.1f s%n",
        s.orders(),
        s.users(),
        s.priorLines(),
        s.trainLines(),
        s.products(),
        s.clickEvents(),
        s.feedback(),
        (System.nanoTime() - start) / 1e9);
    out.println("  files:   " + s.filesDir().toAbsolutePath().normalize());
    out.println("  kinesis: " + s.kinesisDir().toAbsolutePath().normalize());
    return 0;
  }

  static int seedRds(SeedRdsOptions o, PrintStream out, PrintStream err) throws Exception {
    LocalDate asOf = date("--asOf", o.getAsOf());
    Path input = Path.of(o.getInput());
    if (!Files.isDirectory(input)) {
      throw new UsageException(
          "--input must be a folder like sample-data/files, was " + input.toAbsolutePath());
    }
    long start = System.nanoTime();
    Map<String, Long> counts;
    try (Connection c = Jdbc.connect(o)) {
      counts = new RdsSeeder(c, input, asOf, err).seed();
    }
    out.printf(
        Locale.ROOT,
        "seed-rds: loaded %s into %s (schema shop) in %.1f s%n",
        input.toAbsolutePath().normalize(),
        Jdbc.redact(o.getJdbcUrl()),
        (System.nanoTime() - start) / 1e9);
    counts.forEach((t, n) -> out.printf(Locale.ROOT, "  shop.%-12s %,d rows%n", t, n));
    return 0;
  }

  private static LocalDate date(String option, String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new UsageException(option + " must be a date YYYY-MM-DD, was '" + value + "'");
    }
  }

  static int ddl(DdlOptions o, PrintStream out) throws IOException {
    AthenaDdl ddl;
    try {
      ddl = new AthenaDdl(o.getDatabase(), zone -> LakeOptions.zoneUri(o, zone));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
    if (o.getOut() == null) {
      out.print(ddl.script());
      return 0;
    }
    Path dir = Path.of(o.getOut());
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageException(
          "--out must be a folder, and " + dir.toAbsolutePath() + " is a file");
    }
    Files.createDirectories(dir);
    Map<String, String> files = ddl.statementFiles();
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
    out.printf(
        Locale.ROOT,
        "ddl: %d statements, one per file, in %s (run them in file-name order)%n",
        files.size(),
        dir.toAbsolutePath().normalize());
    String notes =
        ddl.script()
            .lines()
            .takeWhile(l -> l.startsWith("-- note:"))
            .collect(Collectors.joining("\n"));
    if (!notes.isEmpty()) {
      out.println(notes);
    }
    return 0;
  }

  static int query(QueryOptions o, List<String> arguments, PrintStream out) throws SQLException {
    ResultPrinter.Format format;
    try {
      format = ResultPrinter.Format.of(o.getFormat());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
    if (o.getTables() ? !arguments.isEmpty() : arguments.size() != 1) {
      throw new UsageException(
          o.getTables()
              ? "--tables takes no SQL"
              : arguments.isEmpty()
                  ? "query needs one SQL statement, e.g. query \"SELECT count(*) FROM clean_orders\" (or --tables to list the tables)"
                  : "query takes one SQL statement in one argument (quote it), got "
                      + arguments.size()
                      + " arguments");
    }
    if (!o.getTables() && arguments.get(0).isBlank()) {
      throw new UsageException("the SQL statement is empty");
    }
    Query q = new Query(zone -> LakeOptions.zoneUri(o, zone), format, out);
    try {
      if (o.getTables()) {
        q.tables();
      } else {
        q.run(arguments.get(0));
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
    return 0;
  }

  static int report(ReportOptions o, PrintStream out) throws Exception {
    String dir = o.getOut() == null ? ReportOptions.DEFAULT_OUT : o.getOut();
    try {
      return new Report(
              o.getLake(),
              zone -> LakeOptions.zoneUri(o, zone),
              Path.of(dir),
              BuildInfo.current().line(),
              out)
          .run();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
  }

  static int upgrade(UpgradeOptions o, PrintStream out) throws IOException {
    FileSystems.setDefaultPipelineOptions(o); // s3:// with the AWS options given
    List<LakeUpgrade.Result> results =
        new LakeUpgrade(zone -> LakeOptions.zonePath(o, zone), o.getDryRun(), out).run();
    int files = results.stream().mapToInt(LakeUpgrade.Result::files).sum();
    int rewritten = results.stream().mapToInt(LakeUpgrade.Result::rewritten).sum();
    out.printf(
        Locale.ROOT,
        "upgrade: %,d Parquet files checked in %s, %,d %s%n",
        files,
        o.getLake(),
        rewritten,
        rewritten == 0
            ? "to rewrite: the lake is on the newest schemas"
            : o.getDryRun() ? "would be rewritten (dry run)" : "rewritten");
    return 0;
  }

  static int profiles(PrintStream out) {
    Profiles profiles = Profiles.standard();
    for (String name : profiles.names()) {
      Profiles.Profile p = profiles.load(name);
      out.printf(
          "%-14s %s%n", name + (name.equals(Profiles.DEFAULT_PROFILE) ? "*" : ""), p.description());
    }
    out.println("(* the default; files: ./runner-profiles, $LAKEBEAM_PROFILES_DIR, or built in)");
    return 0;
  }
}
