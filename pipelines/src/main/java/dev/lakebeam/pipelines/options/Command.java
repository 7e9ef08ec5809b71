package dev.lakebeam.pipelines.options;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;

/** The commands of {@code lakebeam.jar} (DESIGN §4). */
public enum Command {
  BACKFILL(
      "backfill",
      "bounded run: files and/or PostgreSQL into raw, clean, curated and consumption",
      BackfillOptions.class,
      true),
  STREAM(
      "stream",
      "unbounded run: Kinesis streams into the same zones with the same transforms",
      StreamOptions.class,
      true),
  GENERATE(
      "generate",
      "write a deterministic synthetic data set (Instacart CSV, extensions, Kinesis files)",
      GenerateOptions.class,
      false),
  SEED_RDS(
      "seed-rds",
      "load a file set into PostgreSQL (the RDS source), idempotently",
      SeedRdsOptions.class,
      false),
  REPLAY(
      "replay",
      "push a data set's kinesis/ events into Kinesis streams",
      ReplayOptions.class,
      false),
  DDL(
      "ddl",
      "print Athena/Glue CREATE EXTERNAL TABLE statements for every dataset",
      DdlOptions.class,
      false),
  QUERY(
      "query",
      "run SQL over the lake's tables (the Athena DDL's names) on this machine, or list them with --tables",
      QueryOptions.class,
      false,
      "\"SQL\""),
  REPORT(
      "report",
      "write a self-contained HTML dashboard of the lake (sales, products, segments, predictions, data quality, run history)",
      ReportOptions.class,
      false),
  UPGRADE(
      "upgrade",
      "rewrite in place the lake's files an older schema version wrote (money as a double) in the newest version",
      UpgradeOptions.class,
      false),
  TRAIN_MODEL(
      "train-model",
      "fit the reorder model on a lake's curated features and train orders; report its quality",
      TrainModelOptions.class,
      false),
  PROFILES("profiles", "list the runner profiles", PipelineOptions.class, false),
  BENCH(
      "bench",
      "benchmark the backfill, stage by stage and per runner profile, against a plain-Java lower bound",
      BenchOptions.class,
      false),
  BENCH_STREAM(
      "bench-stream",
      "benchmark the stream: events/s through to clean and freshness of department_sales_1m, beside Kinesis's own put rate",
      BenchStreamOptions.class,
      false);

  private final String cliName;
  private final String description;
  private final Class<? extends PipelineOptions> optionsClass;
  private final boolean runsPipeline;
  private final String argument;

  Command(
      String cliName,
      String description,
      Class<? extends PipelineOptions> optionsClass,
      boolean runsPipeline) {
    this(cliName, description, optionsClass, runsPipeline, null);
  }

  Command(
      String cliName,
      String description,
      Class<? extends PipelineOptions> optionsClass,
      boolean runsPipeline,
      String argument) {
    this.cliName = cliName;
    this.description = description;
    this.optionsClass = optionsClass;
    this.runsPipeline = runsPipeline;
    this.argument = argument;
  }

  /** Options its interface inherits that the command never reads: refused, and not in --help. */
  public Set<String> unread() {
    return this == DDL || this == QUERY || this == REPORT || this == TRAIN_MODEL
        ? Set.of("rawZone")
        : Set.of();
  }

  /** Options the command cannot run without, listed first by --help. */
  public List<String> required() {
    return this == SEED_RDS ? List.of("jdbcUrl") : List.of();
  }

  /**
   * The name of the argument the command takes besides its options (e.g. the SQL of query), or
   * null.
   */
  public String argument() {
    return argument;
  }

  public String cliName() {
    return cliName;
  }

  public String description() {
    return description;
  }

  public Class<? extends PipelineOptions> optionsClass() {
    return optionsClass;
  }

  /** Whether the command runs a Beam pipeline, so that runner options apply. */
  public boolean runsPipeline() {
    return runsPipeline;
  }

  public static Optional<Command> find(String name) {
    return Arrays.stream(values()).filter(c -> c.cliName.equals(name)).findFirst();
  }

  static void printList(PrintStream out) {
    for (Command c : values()) {
      out.printf("  %-12s %s%n", c.cliName, c.description);
    }
  }
}
