package dev.lakebeam.pipelines.backfill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.pipelines.cli.UsageException;
import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.rds.HighWater;
import dev.lakebeam.pipelines.rds.Incremental;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.pipelines.rds.RdsExtract;
import dev.lakebeam.pipelines.rds.RdsTable;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.MergeLatest;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.clean.ProtectRejects;
import dev.lakebeam.transforms.clean.Tokenizer;
import dev.lakebeam.transforms.io.CopyToRaw;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.io.ZonePublisher;
import dev.lakebeam.transforms.parse.ParseRecords;
import dev.lakebeam.transforms.parse.ReadSourceFiles;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.CountReasons;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.SourceDataset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * The bounded backfill: files (local or S3) into the raw and clean zones.
 *
 * <p>Steps: 1) check the options and find the input files; 2) build the pipeline: land each file
 * in raw, split and parse records, clean them with the shared {@link CleanRecords}, write clean
 * datasets and rejects as Parquet into a staging folder; 3) run it; 4) check the accounting
 * (every record clean, rejected, duplicate or skipped); 5) publish the staged files over exactly
 * the partitions the run owns; 6) write the lineage manifest and print a summary.
 */
public final class Backfill {
  /** Used only where a profile allows it (direct, local); says so in the log. Not a secret. */
  public static final String DEV_HMAC_KEY = "lakebeam-development-hmac-key-NOT-A-SECRET";

  private final BackfillOptions o;
  private final String profile;
  private final Map<String, String> commandLine;
  private final PrintStream out;
  private final PrintStream err;
  /** Wall time of each stage that ran (raw_clean, curated_consumption), for the manifest. */
  private final Map<String, Double> stageSeconds = new LinkedHashMap<>();

  /**
   * @param profile the runner profile's name, for the manifest
   * @param commandLine the options as given (profile, then command line), for the manifest
   */
  public Backfill(BackfillOptions o, String profile, Map<String, String> commandLine, PrintStream out, PrintStream err) {
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
    java.util.Set<Zone> zones = zones(o.getZones());
    boolean ingest = zones.contains(Zone.CLEAN);
    boolean curate = zones.contains(Zone.CURATED) || zones.contains(Zone.CONSUMPTION);
    if (o.getMaxRejectRatio() == null || !(o.getMaxRejectRatio() >= 0 && o.getMaxRejectRatio() <= 1)) {
      throw new UsageException("--maxRejectRatio takes a share of the records from 0 to 1 (0.01: 1 %), was " + o.getMaxRejectRatio());
    }
    if (o.getMaxRecordBytes() == null || o.getMaxRecordBytes() < 1024) {
      throw new UsageException("--maxRecordBytes must be at least 1024, was " + o.getMaxRecordBytes());
    }
    if (o.getTopN() == null || o.getTopN() < 1) {
      throw new UsageException("--topN must be at least 1, was " + o.getTopN());
    }
    if (zones.contains(Zone.CONSUMPTION)) {
      Curate.model(o); // a bad --reorderModel fails here, before the clean stage publishes anything
    }
    if (o.getServeJdbc() != null && !zones.contains(Zone.CONSUMPTION)) {
      throw new UsageException("--serveJdbc serves the consumption zone; add consumption to --zones");
    }
    List<String> sources = List.of(o.getSources().split(","));
    for (String s : sources) {
      if (!s.equals("files") && !s.equals("rds")) {
        throw new UsageException("--sources takes files and/or rds, was '" + o.getSources() + "'");
      }
    }
    java.util.Set<RdsTable> rdsTables;
    try {
      rdsTables = RdsTable.named(o.getRdsTables());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--rdsTables: " + e.getMessage());
    }
    boolean readFiles = ingest && sources.contains("files");
    boolean readRds = ingest && sources.contains("rds");
    LocalDate from = date("--from", o.getFrom());
    LocalDate to = date("--to", o.getTo());
    if (from != null && to != null && from.isAfter(to)) {
      throw new UsageException("--from " + from + " is after --to " + to);
    }
    LocalDate asOf = date("--asOf", o.getAsOf());
    boolean incremental = Boolean.TRUE.equals(o.getIncremental());
    if (incremental && !ingest) {
      throw new UsageException("--incremental merges database changes into the clean zone; add raw,clean to --zones");
    }
    if (incremental && (readFiles || !readRds || from != null || to != null)) {
      throw new UsageException("--incremental goes with --sources=rds alone and no --from/--to "
          + "(it reads what changed since the last successful incremental run)");
    }
    String input = LakeOptions.forBeam(o.getInput().endsWith("/") ? o.getInput() : o.getInput() + "/");
    if (!input.contains("://")) {
      input = java.nio.file.Path.of(input).toAbsolutePath().normalize() + "/";
    }
    Map<SourceDataset, List<MatchResult.Metadata>> files = new EnumMap<>(SourceDataset.class);
    if (readFiles) {
      List<String> unmatched = SourceFiles.classify(input, files);
      if (!unmatched.isEmpty()) {
        err.println("backfill: WARNING: " + unmatched.size() + " file(s) under --input match no dataset and are not read: "
            + String.join(", ", unmatched) + " (a dataset's file is its name in any case: " + SourceFiles.KNOWN
            + "; .csv for CSV, .json or .jsonl for JSON lines, plain or .gz)");
      }
    }
    if (readFiles && files.isEmpty()) {
      throw new UsageException("no source files under --input=" + input + " (expected orders.csv, products.csv, ...; see sample-data/files)");
    }
    if (!Boolean.TRUE.equals(o.getAllowEmptyFiles())) {
      for (Map.Entry<SourceDataset, List<MatchResult.Metadata>> e : files.entrySet()) {
        for (MatchResult.Metadata md : e.getValue()) {
          String why = SourceFiles.withoutRecords(md, e.getKey().format() == SourceDataset.Format.CSV);
          if (why != null) {
            throw new IllegalStateException(md.resourceId() + " " + why + "; a source file given must hold records (a rerun would "
                + "replace the lake's " + e.getKey().sourceName() + " with nothing). --allowEmptyFiles accepts it");
          }
        }
      }
    }
    for (Map.Entry<SourceDataset, List<MatchResult.Metadata>> e : files.entrySet()) {
      for (MatchResult.Metadata md : e.getValue()) {
        SourceFiles.Header h = SourceFiles.header(md, e.getKey());
        if (h != null && !h.missing().isEmpty()) {
          throw new IllegalStateException(md.resourceId() + ": the header has no column " + String.join(", ", h.missing())
              + " (it has " + String.join(", ", h.columns()) + "; " + e.getKey().sourceName() + " files need "
              + String.join(", ", e.getKey().csvColumns()) + "); nothing was read or published");
        }
        if (h != null && !h.extra().isEmpty()) {
          err.println("backfill: WARNING: " + md.resourceId() + ": column(s) " + String.join(", ", h.extra())
              + " are not part of " + e.getKey().sourceName() + " and are ignored");
        }
      }
    }
    // Only the clean stage tokenizes PII; a curated/consumption rebuild needs no key.
    Tokenizer tokenizer = ingest ? tokenizer(o.getHmacKeyEnv(), o.getAllowDevHmacKey(), LakeOptions.isLocal(o), err, "backfill")
        : new Tokenizer("no-clean-stage-in-this-run".getBytes(StandardCharsets.UTF_8));
    String keyFingerprint = ingest ? tokenizer.fingerprint() : null;
    if (ingest) {
      KeyFingerprints.check(manifestsOf(o.getLake()), keyFingerprint, "backfill");
    }

    Instant start = Instant.now();
    String runId =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(start.getMillis()))
            + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    String ingestDate = java.time.Instant.ofEpochMilli(start.getMillis()).atZone(ZoneOffset.UTC).toLocalDate().toString();
    String raw = LakeOptions.zonePath(o, Zone.RAW);
    String clean = LakeOptions.zonePath(o, Zone.CLEAN);
    String staging = clean + "/_staging/" + runId;
    String scope = "rejects-" + scopeHash(input, from, to);
    CleanConfig cfg = new CleanConfig(start, o.getFutureToleranceMinutes() * 60_000L, tokenizer, asOf, from, to);

    List<RdsExtract> extracts = new ArrayList<>();
    String lake = LakeOptions.forBeam(o.getLake().endsWith("/") ? o.getLake().substring(0, o.getLake().length() - 1) : o.getLake());
    Map<String, java.time.Instant> oldMarks = incremental ? HighWater.read(lake) : Map.of();
    Map<String, java.time.Instant> newMarks = new java.util.TreeMap<>(oldMarks);
    Map<RdsTable, java.util.Set<String>> touched = new EnumMap<>(RdsTable.class);
    if (readRds) {
      try (java.sql.Connection c = Jdbc.connect(o)) {
        for (RdsTable t : rdsTables) {
          RdsExtract e = RdsExtract.plan(c, o, t, o.getJdbcPartitions(), from, to, o.getJdbcFetchSize());
          if (incremental) {
            java.time.Instant old = oldMarks.get(t.table());
            java.time.Instant mark = Incremental.highWater(c, t);
            java.time.Instant upTo = mark == null ? (old == null ? java.time.Instant.EPOCH : old) : mark;
            e.changedBetween(old, upTo);
            newMarks.put(t.table(), upTo);
            if (t.hasEventTime()) {
              touched.put(t, Incremental.touchedPartitions(c, t, old, upTo));
            }
          }
          extracts.add(e);
        }
      }
    }
    java.util.Set<SourceDataset> present = java.util.EnumSet.noneOf(SourceDataset.class);
    present.addAll(files.keySet());
    extracts.forEach(e -> present.add(e.table().dataset()));

    Pipeline p = Pipeline.create(o);
    List<Dataset> written = new ArrayList<>();
    Map<Dataset, java.util.Set<String>> rewrite = new EnumMap<>(Dataset.class);
    if (ingest) {
    Map<SourceDataset, List<PCollection<Row>>> parsedParts = new EnumMap<>(SourceDataset.class);
    List<PCollection<Row>> rejects = new ArrayList<>();
    for (RdsExtract e : extracts) {
      String table = e.table().table();
      PCollection<Row> raws = p.apply("RDS " + table, e);
      raws.apply("Payloads of " + table, org.apache.beam.sdk.transforms.MapElements.into(org.apache.beam.sdk.values.TypeDescriptors.strings())
              .via((Row r) -> r.getString("payload")))
          .apply("Land rds " + table, org.apache.beam.sdk.io.TextIO.write()
              .to(raw + "/rds/" + table + "/ingest_date=" + ingestDate + "/part")
              .withSuffix(".jsonl")
              .withCompression(org.apache.beam.sdk.io.Compression.GZIP)
              .withNumShards(1));
      PCollectionTuple parsedTuple = raws.apply("Parse rds " + table, ParseRecords.of(e.table().dataset(), SourceDataset.Format.JSON));
      rejects.add(parsedTuple.get(Rejects.TAG));
      parsedParts.computeIfAbsent(e.table().dataset(), k -> new ArrayList<>()).add(parsedTuple.get(ParseRecords.PARSED));
    }
    ReadSourceFiles lineReader = null;
    for (SourceDataset d : files.keySet()) {
      ReadSourceFiles read = ReadSourceFiles.ofFiles(d, files.get(d).stream().map(md -> md.resourceId().toString()).toList(),
          o.getMaxRecordBytes());
      p.apply("Raw " + d.sourceName(), new CopyToRaw(d.sourceName(), read.globs(), raw + "/files/" + d.sourceName() + "/ingest_date=" + ingestDate));
      if (d == SourceDataset.ORDER_LINES) {
        // The bulk of the data: the clean stage reads it into blocks per bucket of the order join.
        lineReader = read;
        continue;
      }
      PCollectionTuple r = p.apply("Read " + d.sourceName(), read.parsed());
      rejects.add(r.get(Rejects.TAG));
      parsedParts.computeIfAbsent(d, k -> new ArrayList<>()).add(r.get(ParseRecords.PARSED));
    }
    Map<SourceDataset, PCollection<Row>> parsed = new EnumMap<>(SourceDataset.class);
    parsedParts.forEach((d, parts) -> parsed.put(d, parts.size() == 1 ? parts.get(0)
        : PCollectionList.of(parts).apply("All " + d.sourceName(), Flatten.pCollections()).setCoder(RowBytesCoder.of(parts.get(0).getSchema()))));
    Map<Dataset, PCollection<Row>> existing = new EnumMap<>(Dataset.class);
    if (incremental) {
      java.util.Set<String> orderParts = new java.util.TreeSet<>(touched.get(RdsTable.ORDERS));
      orderParts.addAll(touched.get(RdsTable.ORDER_LINES));
      rewrite.put(Dataset.ORDERS, orderParts);
      rewrite.put(Dataset.ORDER_LINES, touched.get(RdsTable.ORDER_LINES));
      rewrite.put(Dataset.FEEDBACK, touched.get(RdsTable.FEEDBACK));
      for (Dataset d : List.of(Dataset.DEPARTMENTS, Dataset.AISLES, Dataset.PRODUCTS, Dataset.CUSTOMERS,
          Dataset.ORDERS, Dataset.ORDER_LINES, Dataset.FEEDBACK)) {
        ReadZone read = ReadZone.of(d, clean);
        existing.put(d, p.apply("Existing " + d.datasetName(), rewrite.containsKey(d) ? read.partitions(rewrite.get(d)) : read));
      }
    }
    CleanRecords.Output cleaned =
        Pipeline.applyTransform("Clean", CleanRecords.Input.of(p, parsed).withExisting(existing).withLineReader(lineReader),
            CleanRecords.with(cfg).withBuckets(CleanRecords.bucketsFor(orderLineBytes(files, extracts))));
    for (SourceDataset d : present) {
      if (!written.contains(d.target())) {
        written.add(d.target());
      }
    }
    for (Dataset d : written) {
      if (!existing.containsKey(d) && cleaned.blocks(d) != null) {
        cleaned.blocks(d).apply("Write " + d.datasetName(), WriteParquet.blocks(d, staging + "/" + d.datasetName(), "part", o.getFilesPerPartition()));
        continue;
      }
      PCollection<Row> rows = cleaned.clean(d);
      if (existing.containsKey(d)) {
        rows = PCollectionList.of(existing.get(d)).and(rows).apply("Merge " + d.datasetName(), new MergeLatest(d));
      }
      rows.apply("Write " + d.datasetName(), WriteParquet.of(d, staging + "/" + d.datasetName(), "part", o.getFilesPerPartition()));
    }
    rejects.add(cleaned.rejects());
    String day = ingestDate;
    PCollectionList.of(rejects)
        .apply("All rejects", Flatten.pCollections())
        .setCoder(RowBytesCoder.of(Rejects.SCHEMA))
        .apply("Protect rejects", ProtectRejects.with(tokenizer))
        .apply("Count rejects", new CountReasons())
        .apply("Write rejects", WriteParquet.by(Dataset.REJECTS, staging + "/" + Dataset.REJECTED_DIR, scope,
            (Row r) -> r.getString("dataset") + "/ingest_date=" + day, 1));
    }

    String status = "FAILED";
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    Map<String, Map<String, Long>> reasons = new LinkedHashMap<>();
    Map<String, List<String>> outputs = new LinkedHashMap<>();
    Map<String, Long> rowsOut = new LinkedHashMap<>();
    Map<String, Long> served = Map.of();
    Map<String, Long> lines = Map.of();
    String failure = null;
    java.util.concurrent.ScheduledExecutorService progress =
        startProgress(start, files.values().stream().flatMap(List::stream).mapToLong(MatchResult.Metadata::sizeBytes).sum());
    long ingestStart = System.nanoTime();
    Exception thrown = null;
    try {
      if (ingest) {
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the pipeline ended in state " + state);
      }
      counts = counts(result, present);
      reasons = reasons(result);
      lines = metricValues(result, Accounting.LINES_NAMESPACE);
      addLines(counts, files, lines);
      List<String> broken = new ArrayList<>();
      counts.forEach((ds, c) -> {
        long outcome = c.get("clean") + c.get("rejected") + c.get("duplicates") + c.get("skipped");
        if (outcome != c.get("in")) {
          broken.add(ds + ": in " + c.get("in") + " but clean+rejected+duplicates+skipped = " + outcome);
        }
      });
      if (!broken.isEmpty()) {
        throw new IllegalStateException("records unaccounted for; nothing was published: " + String.join("; ", broken));
      }
      String overBudget = overRejectBudget(counts, o.getMaxRejectRatio());
      if (overBudget != null) { // the rejects are what the user needs now: published; the clean data is not
        ZonePublisher.Published rej =
            ZonePublisher.publish(staging + "/" + Dataset.REJECTED_DIR, clean + "/" + Dataset.REJECTED_DIR, ZonePublisher.namedWith(scope));
        outputs.put(Dataset.REJECTED_DIR, rej.files());
        ZonePublisher.deleteAll(staging);
        removeEmptyStaging(clean);
        throw new IllegalStateException(overBudget + "; no clean data was published, the rejects are in " + clean + "/" + Dataset.REJECTED_DIR);
      }
      Map<Dataset, java.util.function.Predicate<String>> owned = new EnumMap<>(Dataset.class);
      for (Dataset d : written) {
        owned.put(d, rewrite.containsKey(d)
            ? Incremental.partitionsIn(rewrite.get(d))
            : d.partitioning() == Partitioning.EVENT_DATE && (from != null || to != null)
                ? ZonePublisher.datesBetween(from, to)
                : ZonePublisher.everything());
      }
      if (!Boolean.TRUE.equals(o.getAllowShrink()) && !incremental) {
        String shrinks = shrinks(written, owned, staging, clean);
        if (shrinks != null) {
          ZonePublisher.deleteAll(staging);
          removeEmptyStaging(clean);
          throw new IllegalStateException(shrinks + "; nothing was published (the lake is as it was). If that is meant, "
              + "rerun with --allowShrink");
        }
      }
      for (Dataset d : written) {
        ZonePublisher.Published pub = ZonePublisher.publish(staging + "/" + d.datasetName(), clean + "/" + d.datasetName(), owned.get(d));
        outputs.put(d.datasetName(), pub.files());
      }
      ZonePublisher.Published rej =
          ZonePublisher.publish(staging + "/" + Dataset.REJECTED_DIR, clean + "/" + Dataset.REJECTED_DIR, ZonePublisher.namedWith(scope));
      outputs.put(Dataset.REJECTED_DIR, rej.files());
      ZonePublisher.deleteAll(staging);
      if (incremental) {
        HighWater.write(lake, newMarks, runId);
      }
      removeEmptyStaging(clean);
      }
      if (ingest) {
        stageSeconds.put("raw_clean", (System.nanoTime() - ingestStart) / 1e9);
      }
      if (curate) {
        if (progress != null) {
          progress.shutdownNow(); // its figures are the clean stage's
        }
        progress = startCurateProgress(start);
        long stageStart = System.nanoTime();
        err.println("backfill: building " + (zones.contains(Zone.CURATED) ? "curated and " : "") + "consumption from "
            + (zones.contains(Zone.CURATED) ? clean : LakeOptions.zonePath(o, Zone.CURATED)));
        Curate.Outcome c = new Curate(o, runId, asOf == null ? dev.lakebeam.schemas.OrderTimestamps.DEFAULT_AS_OF : asOf, zones).run();
        stageSeconds.put("curated_consumption", (System.nanoTime() - stageStart) / 1e9);
        err.printf(Locale.ROOT, "backfill: curated/consumption stage done in %.1f s%n", stageSeconds.get("curated_consumption"));
        outputs.putAll(c.outputs());
        rowsOut.putAll(c.rows());
        if (o.getServeJdbc() != null) {
          served = Serve.replace(o, LakeOptions.zonePath(o, Zone.CONSUMPTION));
        }
      }
      status = "SUCCEEDED";
    } catch (Exception e) {
      failure = e.getMessage();
      thrown = e;
      throw e;
    } finally {
      if (progress != null) {
        progress.shutdownNow();
      }
      String manifest;
      try {
        manifest = writeManifest(runId, keyFingerprint, start, input, files, lines, counts, reasons, outputs, rowsOut, served, zones,
            status, failure);
      } catch (IOException | RuntimeException m) {
        if (status.equals("SUCCEEDED")) {
          throw m;
        }
        // the run's own failure is the one to report: this goes with it, never in its place
        if (thrown != null) {
          thrown.addSuppressed(new IOException("the manifest could not be written either: " + m.getMessage(), m));
        }
        manifest = null;
      }
      if (status.equals("SUCCEEDED")) {
        summary(runId, raw, clean, zones, counts, rowsOut, served, manifest);
      } else if (manifest != null) {
        err.println("backfill: run " + runId + " failed; manifest " + manifest);
      }
    }
    return new Result(runId, counts, manifestPath(runId));
  }

  /**
   * Prints a progress line every --progressSeconds while the pipeline runs, from the in-process
   * tally of the accounting counters (local runners; a cluster's workers count in their own JVMs).
   */
  private java.util.concurrent.ScheduledExecutorService startProgress(Instant start, long inputBytes) {
    Progress.reset();
    return everyProgressPeriod(() -> {
      long seconds = (Instant.now().getMillis() - start.getMillis()) / 1000;
      err.printf(Locale.ROOT, "backfill: raw+clean, %,d s: %s%,d records read, %,d clean, %,d rejected, %,d duplicates, %,d skipped%n",
          seconds, shareDone(Progress.tally(Accounting.LINES_NAMESPACE).getOrDefault(Accounting.BYTES_READ, 0L), inputBytes, seconds),
          Progress.total(Accounting.IN), Progress.total(Accounting.CLEAN), Progress.total(Accounting.REJECTED),
          Progress.total(Accounting.DUPLICATES), Progress.total(Accounting.SKIPPED));
    });
  }

  /** "42 % of 1.2 GB read, about 3 min left; " (nothing without file input; "starting" before the first byte). */
  static String shareDone(long read, long total, long seconds) {
    if (total <= 0) {
      return "";
    }
    if (read <= 0) {
      return String.format(Locale.ROOT, "starting the job, 0 of %s read; ", bytes(total));
    }
    double share = Math.min(1.0, (double) read / total);
    String left = share >= 1.0 ? "parsing and writing the last records"
        : share < 0.01 ? "too early to tell the time left"
        : "about " + duration(Math.round(seconds * (1 - share) / share)) + " of reading left";
    return String.format(Locale.ROOT, "%.0f %% of %s read (%s); ", 100 * share, bytes(total), left);
  }

  private static String bytes(long b) {
    return b >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
        : b >= 1L << 20 ? String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20))
        : String.format(Locale.ROOT, "%,d bytes", b);
  }

  private static String duration(long s) {
    return s >= 3600 ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60)
        : s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
  }

  /**
   * Progress of the curated/consumption stage, every --progressSeconds: the rows handed to each of
   * its writers so far (the enriched lines grow as the join runs; aggregates appear at their end).
   */
  private java.util.concurrent.ScheduledExecutorService startCurateProgress(Instant start) {
    return everyProgressPeriod(() -> {
      java.util.SortedMap<String, Long> rows = Progress.tally(dev.lakebeam.transforms.records.CountRows.NAMESPACE);
      err.printf(Locale.ROOT, "backfill: curated+consumption, %,d s: rows to the writers: %s%n",
          (Instant.now().getMillis() - start.getMillis()) / 1000,
          rows.isEmpty() ? "none yet (reading, joining)"
              : String.join(", ", rows.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList()));
    });
  }

  /** Runs a progress line every --progressSeconds on a daemon thread (none when it is 0). */
  private java.util.concurrent.ScheduledExecutorService everyProgressPeriod(Runnable line) {
    int every = o.getProgressSeconds();
    if (every <= 0) {
      return null;
    }
    java.util.concurrent.ScheduledExecutorService s =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "lakebeam-progress");
          t.setDaemon(true);
          return t;
        });
    s.scheduleAtFixedRate(line, every, every, java.util.concurrent.TimeUnit.SECONDS);
    return s;
  }

  /** Removes a zone's _staging folder once no run uses it (a local disk keeps empty folders; object stores have none). */
  static void removeEmptyStaging(String zone) throws IOException {
    if (!zone.contains("://")) {
      try {
        java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(zone, "_staging"));
      } catch (java.nio.file.DirectoryNotEmptyException e) {
        // another run is staging: leave it
      }
    }
  }

  static java.util.Set<Zone> zones(String value) {
    List<Zone> order = List.of(Zone.RAW, Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION);
    java.util.TreeSet<Integer> picked = new java.util.TreeSet<>();
    for (String z : value.split(",")) {
      String name = z.trim().toLowerCase(Locale.ROOT);
      int i = -1;
      for (int k = 0; k < order.size(); k++) {
        if (order.get(k).dir().equals(name)) {
          i = k;
        }
      }
      if (i < 0) {
        throw new UsageException("--zones takes raw, clean, curated, consumption; '" + z + "' is none of them");
      }
      picked.add(i);
    }
    if (picked.last() - picked.first() + 1 != picked.size()) {
      throw new UsageException("--zones must be consecutive zones of raw,clean,curated,consumption, was " + value);
    }
    if (picked.contains(0) != picked.contains(1)) {
      throw new UsageException("--zones: raw and clean go together (a run lands raw files as it cleans them), was " + value);
    }
    java.util.Set<Zone> out = java.util.EnumSet.noneOf(Zone.class);
    picked.forEach(i -> out.add(order.get(i)));
    return out;
  }

  /**
   * The tokenizer for PII: with the key from the named variable (which the job carries by name
   * only: workers read it from their environment), or the public development key where allowed.
   */
  public static Tokenizer tokenizer(String variable, Boolean allowDev, boolean localLake, PrintStream err, String command) {
    String key = hmacKey(variable, allowDev, localLake, err, command); // checks the key, or falls back to the public one
    String set = System.getenv(variable);
    return set == null || set.isEmpty() ? new Tokenizer(key.getBytes(StandardCharsets.UTF_8)) : Tokenizer.fromEnvironment(variable);
  }

  /** The HMAC key for PII tokens from the named variable, or the development key where the profile allows it. */
  public static String hmacKey(String variable, Boolean allowDev, boolean localLake, PrintStream err, String command) {
    String key = System.getenv(variable);
    if (key != null && !key.isEmpty()) {
      if (key.getBytes(StandardCharsets.UTF_8).length < 16) {
        throw new UsageException("the HMAC key in $" + variable + " must be at least 16 bytes");
      }
      return key;
    }
    if (Boolean.TRUE.equals(allowDev) && !localLake) {
      throw new UsageException("set $" + variable + " to the HMAC key for PII tokens (at least 16 bytes): the public "
          + "development key is only for a lake on this machine's disk, and this lake or one of its zones is not");
    }
    if (Boolean.TRUE.equals(allowDev)) {
      err.println(command + ": WARNING: $" + variable + " is not set; PII tokens use the public development key "
          + "(allowed by this profile). Set the variable for any data that matters.");
      return DEV_HMAC_KEY;
    }
    throw new UsageException("set $" + variable + " to the HMAC key for PII tokens (at least 16 bytes); "
        + "only the direct and local profiles may fall back to a development key");
  }

  /**
   * The clean datasets whose staged rows are fewer than half the rows of the published files the
   * run would replace (none: null). A 0-byte orders file rerun over a lake would otherwise publish
   * empty orders and order lines over the real ones, and exit 0.
   */
  static String shrinks(List<Dataset> written, Map<Dataset, java.util.function.Predicate<String>> owned, String staging, String clean)
      throws IOException {
    List<String> out = new ArrayList<>();
    for (Dataset d : written) {
      long now = dev.lakebeam.pipelines.lake.ParquetFiles.rowCount(clean + "/" + d.datasetName(), owned.get(d));
      if (now == 0) {
        continue; // nothing published to shrink
      }
      long next = dev.lakebeam.pipelines.lake.ParquetFiles.rowCount(staging + "/" + d.datasetName(), rel -> true);
      if (next * 2 < now) {
        out.add(String.format(Locale.ROOT, "clean/%s would go from %,d rows to %,d", d.datasetName(), now, next));
      }
    }
    return out.isEmpty() ? null : "this run would replace published data with far fewer rows: " + String.join("; ", out);
  }

  /**
   * Null when every dataset's rejects are within --maxRejectRatio of its records (those inside the
   * run's date range), else each dataset that went over with its counts, largest share first.
   */
  static String overRejectBudget(Map<String, Map<String, Long>> counts, double maxRatio) {
    List<Map.Entry<String, double[]>> over = new ArrayList<>();
    for (Map.Entry<String, Map<String, Long>> e : counts.entrySet()) {
      long n = e.getValue().get("in") - e.getValue().get("skipped");
      long r = e.getValue().get("rejected");
      if (n > 0 && r > maxRatio * n) {
        over.add(Map.entry(e.getKey(), new double[] {r, n}));
      }
    }
    if (over.isEmpty()) {
      return null;
    }
    over.sort((a, b) -> Double.compare(b.getValue()[0] / b.getValue()[1], a.getValue()[0] / a.getValue()[1]));
    List<String> named = new ArrayList<>();
    for (Map.Entry<String, double[]> e : over) {
      double r = e.getValue()[0];
      double n = e.getValue()[1];
      named.add(String.format(Locale.ROOT, "%s %,d of %,d rejected (%.2f %%)", e.getKey(), (long) r, (long) n, 100 * r / n));
    }
    return String.format(Locale.ROOT, "reject budget exceeded (--maxRejectRatio=%s, %.2f %% per dataset): %s",
        maxRatio, 100 * maxRatio, String.join("; ", named));
  }

  /** An option's value for the manifest: secrets masked, passwords in URLs masked. */
  static String redactOption(String name, String value) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!n.endsWith("env") && !n.endsWith("file") && n.matches(".*(password|secret|credential|token).*")) {
      return "***";
    }
    return dev.lakebeam.pipelines.rds.Jdbc.redact(value).replaceAll("(?i)(\"secretAccessKey\"\\s*:\\s*\")[^\"]*", "$1***");
  }

  static Map<String, Map<String, Long>> reasons(PipelineResult result) {
    Map<String, Map<String, Long>> out = new java.util.TreeMap<>();
    metricValues(result).forEach((name, v) -> {
      if (name.startsWith(Accounting.REASON) && v > 0) {
        String rest = name.substring(Accounting.REASON.length());
        int dot = rest.lastIndexOf('.');
        out.computeIfAbsent(rest.substring(0, dot), k -> new java.util.TreeMap<>()).put(rest.substring(dot + 1), v);
      }
    });
    return out;
  }

  /**
   * The order lines' size in source bytes, for the order join's buckets: files by size (a
   * compressed one at five times its size), RDS rows at about 40 bytes and ten lines per order id
   * of the table's range (the whole range, even for a run of a few days: more buckets than needed).
   */
  static long orderLineBytes(Map<SourceDataset, List<MatchResult.Metadata>> files, List<RdsExtract> extracts) {
    long bytes = 0;
    for (MatchResult.Metadata f : files.getOrDefault(SourceDataset.ORDER_LINES, List.of())) {
      boolean compressed = org.apache.beam.sdk.io.Compression.detect(f.resourceId().getFilename().toLowerCase(java.util.Locale.ROOT))
          != org.apache.beam.sdk.io.Compression.UNCOMPRESSED;
      bytes += compressed ? 5 * f.sizeBytes() : f.sizeBytes();
    }
    for (RdsExtract e : extracts) {
      if (e.table() == RdsTable.ORDER_LINES) {
        bytes += e.keySpan() * 10 * 40;
      }
    }
    return bytes;
  }

  /** Each dataset read from files gets {@code lines}: the physical lines of its files, beside {@code in}. */
  static void addLines(Map<String, Map<String, Long>> counts, Map<SourceDataset, List<MatchResult.Metadata>> files, Map<String, Long> lines) {
    files.forEach((d, list) -> {
      Map<String, Long> c = counts.get(d.sourceName());
      if (c != null) {
        c.put("lines", list.stream().mapToLong(md -> lines.getOrDefault(Accounting.LINES + md.resourceId(), 0L)).sum());
      }
    });
  }

  static Map<String, Map<String, Long>> counts(PipelineResult result, Iterable<SourceDataset> present) {
    Map<String, Long> flat = metricValues(result);
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (SourceDataset d : present) {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("in", flat.getOrDefault(Accounting.IN + d.sourceName(), 0L));
      m.put("clean", flat.getOrDefault(Accounting.CLEAN + d.sourceName(), 0L));
      m.put("rejected", flat.getOrDefault(Accounting.REJECTED + d.sourceName(), 0L));
      m.put("duplicates", flat.getOrDefault(Accounting.DUPLICATES + d.sourceName(), 0L));
      m.put("skipped", flat.getOrDefault(Accounting.SKIPPED + d.sourceName(), 0L));
      out.put(d.sourceName(), m);
    }
    return out;
  }

  /** Every counter of the accounting namespace, by name (committed values where the runner has them). */
  static Map<String, Long> metricValues(PipelineResult result) {
    return metricValues(result, Accounting.NAMESPACE);
  }

  /** Every counter of a namespace, by name (committed values where the runner has them). */
  public static Map<String, Long> metricValues(PipelineResult result, String namespace) {
    MetricQueryResults q =
        result.metrics().queryMetrics(MetricsFilter.builder().addNameFilter(org.apache.beam.sdk.metrics.MetricNameFilter.inNamespace(namespace)).build());
    Map<String, Long> flat = new LinkedHashMap<>();
    for (MetricResult<Long> c : q.getCounters()) {
      Long v;
      try {
        v = c.getCommitted();
      } catch (UnsupportedOperationException e) {
        v = c.getAttempted();
      }
      if (v == null) {
        v = c.getAttempted();
      }
      flat.merge(c.getName().getName(), v, Long::sum);
    }
    return flat;
  }

  private String manifestPath(String runId) {
    return manifestsOf(o.getLake()) + "/" + runId + ".json";
  }

  /** The folder of a lake's run manifests. */
  public static String manifestsOf(String lakeUri) {
    String lake = LakeOptions.forBeam(lakeUri.endsWith("/") ? lakeUri.substring(0, lakeUri.length() - 1) : lakeUri);
    return lake + "/_manifests";
  }

  private String writeManifest(
      String runId, String keyFingerprint, Instant start, String input, Map<SourceDataset, List<MatchResult.Metadata>> files,
      Map<String, Long> lines,
      Map<String, Map<String, Long>> counts, Map<String, Map<String, Long>> reasons, Map<String, List<String>> outputs,
      Map<String, Long> rowsOut, Map<String, Long> served, java.util.Set<Zone> zones, String status, String failure) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode m = json.createObjectNode();
    m.put("run_id", runId);
    m.put("command", "backfill");
    m.put("status", status);
    if (failure != null) {
      m.put("failure", failure);
    }
    dev.lakebeam.pipelines.cli.BuildInfo build = dev.lakebeam.pipelines.cli.BuildInfo.current();
    ObjectNode made = m.putObject("lakebeam");
    made.put("version", build.version());
    made.put("commit", build.commit());
    made.put("beam_version", build.beamVersion());
    ObjectNode stages = m.putObject("stage_seconds");
    stageSeconds.forEach((k, v) -> stages.put(k, Math.round(v * 10) / 10.0));
    m.put("profile", profile);
    m.put("runner", o.getRunner().getSimpleName());
    ArrayNode args = m.putArray("command_line");
    args.add("backfill");
    commandLine.forEach((k, v) -> args.add("--" + k + "=" + redactOption(k, v)));
    m.put("started_at", start.toString());
    m.put("ended_at", Instant.now().toString());
    ObjectNode opts = m.putObject("options");
    opts.put("input", input);
    opts.put("sources", o.getSources());
    if (o.getJdbcUrl() != null) {
      opts.put("jdbc_url", Jdbc.redact(o.getJdbcUrl()));
    }
    opts.put("from", o.getFrom());
    opts.put("to", o.getTo());
    opts.put("lake", o.getLake());
    for (Zone z : Zone.values()) {
      opts.put(z.dir() + "Zone", LakeOptions.zoneUri(o, z));
    }
    opts.put("hmac_key", "(from $" + o.getHmacKeyEnv() + ", never recorded)");
    if (keyFingerprint != null) {
      m.put(KeyFingerprints.FIELD, keyFingerprint);
    }
    ArrayNode inputs = m.putArray("inputs");
    files.forEach((d, list) -> list.forEach(md -> {
      ObjectNode f = inputs.addObject();
      f.put("dataset", d.sourceName());
      f.put("path", md.resourceId().toString());
      f.put("bytes", md.sizeBytes());
      Long n = lines.get(Accounting.LINES + md.resourceId());
      if (n != null) {
        f.put("lines", n);
        f.put("blank_lines", lines.getOrDefault(Accounting.BLANK + md.resourceId(), 0L));
        f.put("continuation_lines", lines.getOrDefault(Accounting.CONTINUED + md.resourceId(), 0L));
      }
    }));
    m.set("counts", json.valueToTree(counts));
    m.set("rejects_by_reason", json.valueToTree(reasons));
    m.set("outputs", json.valueToTree(outputs));
    m.set("rows_out", json.valueToTree(rowsOut));
    if (!served.isEmpty()) {
      ObjectNode s = m.putObject("served");
      s.put("jdbc_url", Jdbc.redact(o.getServeJdbc()));
      s.put("schema", Serve.SCHEMA);
      s.set("rows", json.valueToTree(served));
    }
    ArrayNode zoneList = m.putArray("zones");
    zones.forEach(z -> zoneList.add(z.dir()));
    ObjectNode versions = m.putObject("schema_versions");
    for (Dataset d : Dataset.values()) {
      if (zones.contains(d.zone())) {
        versions.put(d.schemaPath(), d.schemaVersion());
      }
    }
    String path = manifestPath(runId);
    try (OutputStream os = Channels.newOutputStream(FileSystems.create(FileSystems.matchNewResource(path, false), "application/json"))) {
      // Serialize first: Jackson would close the stream itself, and Beam's S3 channel must be closed once.
      os.write(json.writeValueAsBytes(m));
    }
    return path;
  }

  private void summary(String runId, String raw, String clean, java.util.Set<Zone> zones, Map<String, Map<String, Long>> counts,
      Map<String, Long> rowsOut, Map<String, Long> served, String manifest) {
    out.println("backfill: run " + runId + " succeeded");
    if (zones.contains(Zone.CLEAN)) {
      out.println("  raw zone:   " + raw);
      out.println("  clean zone: " + clean + "  (rejects under " + clean + "/" + Dataset.REJECTED_DIR + ")");
    }
    for (Zone z : List.of(Zone.CURATED, Zone.CONSUMPTION)) {
      if (zones.contains(z)) {
        out.printf(Locale.ROOT, "  %-11s %s%n", z.dir() + " zone:", LakeOptions.zonePath(o, z));
      }
    }
    out.println("  manifest:   " + manifest);
    if (!counts.isEmpty()) {
      out.printf(Locale.ROOT, "  %-16s %10s %10s %10s %10s %10s %10s%n", "source", "lines", "in", "clean", "rejected", "duplicates",
          "skipped");
      counts.forEach((ds, c) -> out.printf(Locale.ROOT, "  %-16s %10s %,10d %,10d %,10d %,10d %,10d%n", ds,
          c.containsKey("lines") ? String.format(Locale.ROOT, "%,d", c.get("lines")) : "-",
          c.get("in"), c.get("clean"), c.get("rejected"), c.get("duplicates"), c.get("skipped")));
    }
    if (!rowsOut.isEmpty()) {
      out.printf(Locale.ROOT, "  %-36s %10s%n", "output", "rows");
      rowsOut.forEach((ds, n) -> out.printf(Locale.ROOT, "  %-36s %,10d%n", ds, n));
    }
    if (!served.isEmpty()) {
      out.println("  served to " + Jdbc.redact(o.getServeJdbc()) + ", schema " + Serve.SCHEMA + ": " + served);
    }
  }

  private static LocalDate date(String option, String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw new UsageException(option + " must be a date YYYY-MM-DD, was '" + v + "'");
    }
  }

  private static String scopeHash(String input, LocalDate from, LocalDate to) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest((input + "|" + from + "|" + to).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h).substring(0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
