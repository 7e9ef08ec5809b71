package dev.lakebeam.pipelines.backfill;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.pipelines.run.CollectorHint;
import dev.lakebeam.pipelines.run.ProgressLines;
import dev.lakebeam.pipelines.run.RunMetrics;
import dev.lakebeam.pipelines.run.RunReport;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.CountRows;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RejectBudget;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.joda.time.Instant;

/**
 * The bounded backfill: files (local or S3) and PostgreSQL into the raw and clean zones, then
 * curated and consumption. Its plan ({@link BackfillPlan}) checks the options and finds the input;
 * the clean stage's wiring ({@link CleanStage}) lands, parses, cleans and stages; the run is then
 * checked and published ({@link Publication}), curated ({@link Curate}), and reported in the
 * lineage manifest and the summary ({@link RunReport}).
 */
public final class Backfill {
  private final BackfillOptions o;
  private final String profile;
  private final Map<String, String> commandLine;
  private final PrintStream out;
  private final PrintStream err;

  /** Physical lines per source file, once the clean stage has run. */
  private Map<String, Long> lines = Map.of();

  /** Rows per table served to --serveJdbc. */
  private Map<String, Long> served = Map.of();

  /**
   * @param profile the runner profile's name, for the manifest
   * @param commandLine the options as given (profile, then command line), for the manifest
   */
  public Backfill(
      BackfillOptions o,
      String profile,
      Map<String, String> commandLine,
      PrintStream out,
      PrintStream err) {
    this.o = o;
    this.profile = profile;
    this.commandLine = commandLine;
    this.out = out;
    this.err = err;
  }

  /** What a run did: per source dataset, its counts by outcome. */
  public record Result(String runId, Map<String, Map<String, Long>> counts, String manifest) {}

  public Result run() throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    LakeOptions.checkWritable(o);
    BackfillPlan plan = BackfillPlan.of(o, err);
    if (plan.ingest) {
      CollectorHint.of("backfill", o, plan.inputBytes()).ifPresent(err::println);
    }
    RunReport report = new RunReport("backfill", plan.runId, plan.start, o.getLake());
    describe(plan, report);
    String status = "FAILED";
    Throwable thrown = null;
    Progress.reset(); // the progress lines count this run only
    ProgressLines.Stop progress = () -> {};
    try {
      if (plan.ingest) {
        progress = cleanProgress(plan.start, plan.inputBytes());
        long stageStart = System.nanoTime();
        Pipeline p = Pipeline.create(o);
        CleanStage.build(p, plan, o.getMaxRecordBytes(), o.getFilesPerPartition());
        PipelineResult result = p.run();
        PipelineResult.State state = result.waitUntilFinish();
        if (state != PipelineResult.State.DONE) {
          throw new IllegalStateException("the pipeline ended in state " + state);
        }
        Map<String, Long> accounting = RunMetrics.values(result, Accounting.NAMESPACE);
        report.counts.putAll(RunMetrics.counts(accounting, plan.present));
        report.reasons.putAll(RunMetrics.reasons(accounting));
        lines = RunMetrics.values(result, Accounting.LINES_NAMESPACE);
        SourceFiles.addLines(report.counts, plan.files, lines);
        Publication.publish(
            plan,
            report,
            new RejectBudget(o.getMaxRejectRatio()),
            Boolean.TRUE.equals(o.getAllowShrink()));
        report.stage("raw_clean", (System.nanoTime() - stageStart) / 1e9);
      }
      if (plan.curate) {
        progress.close(); // its figures are the clean stage's
        progress = curateProgress(plan.start);
        long stageStart = System.nanoTime();
        err.println(
            curateHeadline(
                plan.zones,
                plan.zones.contains(Zone.CURATED)
                    ? plan.clean
                    : LakeOptions.zonePath(o, Zone.CURATED)));
        Curate.Outcome c =
            new Curate(
                    o,
                    plan.runId,
                    plan.asOf == null ? OrderTimestamps.DEFAULT_AS_OF : plan.asOf,
                    plan.zones)
                .run();
        report.stage("curated_consumption", (System.nanoTime() - stageStart) / 1e9);
        err.printf(
            Locale.ROOT,
            "backfill: curated/consumption stage done in %.1f s%n",
            report.stageSeconds("curated_consumption"));
        report.outputs.putAll(c.outputs());
        report.rowsOut.putAll(c.rows());
        if (o.getServeJdbc() != null) {
          served = Serve.replace(o, LakeOptions.zonePath(o, Zone.CONSUMPTION));
          report
              .served
              .put("jdbc_url", Jdbc.redact(o.getServeJdbc()))
              .put("schema", Serve.SCHEMA)
              .putPOJO("rows", served);
        }
      }
      status = "SUCCEEDED";
    } catch (Exception | Error e) {
      thrown = e;
      throw e;
    } finally {
      progress.close();
      finish(plan, report, status, thrown);
    }
    return new Result(plan.runId, report.counts, report.manifestPath());
  }

  /**
   * What the manifest records of the run before it starts: how it was run, its options and inputs.
   */
  private void describe(BackfillPlan plan, RunReport report) {
    report.keyFingerprint(plan.keyFingerprint);
    report.how.put("profile", profile);
    report.how.put("runner", o.getRunner().getSimpleName());
    ArrayNode args = report.how.putArray("command_line");
    args.add("backfill");
    commandLine.forEach((k, v) -> args.add("--" + k + "=" + RunReport.redactOption(k, v)));
    report.options.put("input", plan.input).put("sources", o.getSources());
    if (o.getJdbcUrl() != null) {
      report.options.put("jdbc_url", Jdbc.redact(o.getJdbcUrl()));
    }
    report.options.put("from", o.getFrom()).put("to", o.getTo()).put("lake", o.getLake());
    for (Zone z : Zone.values()) {
      report.options.put(z.dir() + "Zone", LakeOptions.zoneUri(o, z));
    }
    report.options.put("hmac_key", "(from $" + o.getHmacKeyEnv() + ", never recorded)");
  }

  /** Writes the manifest, then prints the summary (or where the failed run's manifest is). */
  private void finish(BackfillPlan plan, RunReport report, String status, Throwable thrown)
      throws IOException {
    SourceFiles.describe(report.inputs, plan.files, lines);
    String manifest;
    try {
      manifest =
          report.writeManifest(status, thrown == null ? null : thrown.getMessage(), plan.zones);
    } catch (IOException | RuntimeException m) {
      if (thrown == null) {
        throw m; // the run succeeded: a missing manifest is its failure
      }
      // the run's own failure is the one to report: this goes with it, never in its place
      thrown.addSuppressed(
          new IOException("the manifest could not be written either: " + m.getMessage(), m));
      return;
    }
    if (!status.equals("SUCCEEDED")) {
      err.println("backfill: run " + plan.runId + " failed; manifest " + manifest);
      return;
    }
    out.println("backfill: run " + plan.runId + " succeeded");
    if (plan.ingest) {
      out.println("  raw zone:   " + plan.raw);
      out.println(
          "  clean zone: "
              + plan.clean
              + "  (rejects under "
              + plan.clean
              + "/"
              + Dataset.REJECTED_DIR
              + ")");
    }
    for (Zone z : List.of(Zone.CURATED, Zone.CONSUMPTION)) {
      if (plan.zones.contains(z)) {
        out.printf(Locale.ROOT, "  %-11s %s%n", z.dir() + " zone:", LakeOptions.zonePath(o, z));
      }
    }
    out.println("  manifest:   " + manifest);
    report.printCounts(out);
    report.printRowsOut(out);
    if (!report.served.isEmpty()) {
      out.println(
          "  served to "
              + Jdbc.redact(o.getServeJdbc())
              + ", schema "
              + Serve.SCHEMA
              + ": "
              + served);
    }
  }

  /**
   * Every --progressSeconds, from the in-process tally of the accounting counters (a cluster's
   * workers count in their own JVMs).
   */
  private ProgressLines.Stop cleanProgress(Instant start, long inputBytes) {
    return ProgressLines.every(
        o.getProgressSeconds(),
        "lakebeam-progress",
        () -> {
          long seconds = (Instant.now().getMillis() - start.getMillis()) / 1000;
          err.printf(
              Locale.ROOT,
              "backfill: raw+clean, %,d s: %s%,d records read, %,d clean, %,d rejected, %,d duplicates, %,d skipped%n",
              seconds,
              ProgressLines.shareDone(
                  Progress.tally(Accounting.LINES_NAMESPACE)
                      .getOrDefault(Accounting.BYTES_READ, 0L),
                  inputBytes,
                  seconds),
              Progress.total(Accounting.IN),
              Progress.total(Accounting.CLEAN),
              Progress.total(Accounting.REJECTED),
              Progress.total(Accounting.DUPLICATES),
              Progress.total(Accounting.SKIPPED));
        });
  }

  /**
   * The rows handed to each writer of the curated/consumption stage so far (aggregates appear at
   * their end).
   */
  private ProgressLines.Stop curateProgress(Instant start) {
    return ProgressLines.every(
        o.getProgressSeconds(),
        "lakebeam-progress",
        () -> {
          SortedMap<String, Long> rows = Progress.tally(CountRows.NAMESPACE);
          err.printf(
              Locale.ROOT,
              "backfill: curated+consumption, %,d s: rows to the writers: %s%n",
              (Instant.now().getMillis() - start.getMillis()) / 1000,
              rows.isEmpty()
                  ? "none yet (reading, joining)"
                  : String.join(
                      ", ",
                      rows.entrySet().stream()
                          .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
                          .toList()));
        });
  }

  /** The line that opens the curated stage: the zones it builds (of curated and consumption). */
  static String curateHeadline(Set<Zone> zones, String from) {
    boolean curated = zones.contains(Zone.CURATED);
    boolean consumption = zones.contains(Zone.CONSUMPTION);
    String what =
        curated && consumption ? "curated and consumption" : curated ? "curated" : "consumption";
    return "backfill: building " + what + " from " + from;
  }
}
