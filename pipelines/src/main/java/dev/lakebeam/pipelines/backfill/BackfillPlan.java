package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.CleanOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.rds.HighWater;
import dev.lakebeam.pipelines.rds.Incremental;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.pipelines.rds.RdsExtract;
import dev.lakebeam.pipelines.rds.RdsTable;
import dev.lakebeam.pipelines.run.HmacKeys;
import dev.lakebeam.pipelines.run.KeyFingerprints;
import dev.lakebeam.pipelines.run.RunReport;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.joda.time.Instant;

/**
 * What a backfill will do, decided before anything runs: its options checked, its input files found
 * and checked, its JDBC ranges and high-water marks planned, its run id, paths and key. Every
 * refusal happens here, so a bad option never leaves a half-built lake.
 */
final class BackfillPlan {
  final Set<Zone> zones;
  final boolean ingest;
  final boolean curate;
  final boolean incremental;
  final LocalDate from;
  final LocalDate to;
  final LocalDate asOf;

  /** The input folder as Beam reads it (absolute, ending in /). */
  final String input;

  final Map<SourceDataset, List<MatchResult.Metadata>> files = new EnumMap<>(SourceDataset.class);
  final List<RdsExtract> extracts = new ArrayList<>();

  /** The source datasets this run reads. */
  final Set<SourceDataset> present = EnumSet.noneOf(SourceDataset.class);

  /** The clean datasets this run writes, in the order of the sources. */
  final List<Dataset> written = new ArrayList<>();

  /** For an incremental run: the partitions of each clean dataset it rewrites. */
  final Map<Dataset, Set<String>> rewrite = new EnumMap<>(Dataset.class);

  /** For an incremental run: the high-water marks it records once published. */
  final Map<String, java.time.Instant> newMarks = new TreeMap<>();

  final Tokenizer tokenizer;

  /** The key's fingerprint, when the run tokenizes (the clean stage); else null. */
  final String keyFingerprint;

  final Instant start;
  final String runId;
  final String ingestDate;
  final String lake;
  final String raw;
  final String clean;
  final String staging;

  /** The name part of this run's reject files: runs over other inputs or dates keep theirs. */
  final String rejectScope;

  final CleanConfig cleanConfig;

  private BackfillPlan(BackfillOptions o, PrintStream err) throws IOException, SQLException {
    zones = zones(o.getZones());
    ingest = zones.contains(Zone.CLEAN);
    curate = zones.contains(Zone.CURATED) || zones.contains(Zone.CONSUMPTION);
    if (o.getMaxRejectRatio() == null
        || !(o.getMaxRejectRatio() >= 0 && o.getMaxRejectRatio() <= 1)) {
      throw new UsageException(
          "--maxRejectRatio takes a share of the records from 0 to 1 (0.01: 1 %), was "
              + o.getMaxRejectRatio());
    }
    if (o.getMaxRecordBytes() == null || o.getMaxRecordBytes() < 1024) {
      throw new UsageException(
          "--maxRecordBytes must be at least 1024, was " + o.getMaxRecordBytes());
    }
    if (o.getTopN() == null || o.getTopN() < 1) {
      throw new UsageException("--topN must be at least 1, was " + o.getTopN());
    }
    if (zones.contains(Zone.CONSUMPTION)) {
      Curate.model(o); // a bad --reorderModel fails here, before the clean stage publishes anything
    }
    if (o.getServeJdbc() != null && !zones.contains(Zone.CONSUMPTION)) {
      throw new UsageException(
          "--serveJdbc serves the consumption zone; add consumption to --zones");
    }
    List<String> sources = List.of(o.getSources().split(","));
    for (String s : sources) {
      if (!s.equals("files") && !s.equals("rds")) {
        throw new UsageException("--sources takes files and/or rds, was '" + o.getSources() + "'");
      }
    }
    Set<RdsTable> rdsTables;
    try {
      rdsTables = RdsTable.named(o.getRdsTables());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--rdsTables: " + e.getMessage());
    }
    boolean readFiles = ingest && sources.contains("files");
    boolean readRds = ingest && sources.contains("rds");
    from = date("--from", o.getFrom());
    to = date("--to", o.getTo());
    if (from != null && to != null && from.isAfter(to)) {
      throw new UsageException("--from " + from + " is after --to " + to);
    }
    asOf = date("--asOf", o.getAsOf());
    incremental = Boolean.TRUE.equals(o.getIncremental());
    if (incremental && !ingest) {
      throw new UsageException(
          "--incremental merges database changes into the clean zone; add raw,clean to --zones");
    }
    if (incremental && (readFiles || !readRds || from != null || to != null)) {
      throw new UsageException(
          "--incremental goes with --sources=rds alone and no --from/--to "
              + "(it reads what changed since the last successful incremental run)");
    }
    String in = LakeOptions.forBeam(o.getInput().endsWith("/") ? o.getInput() : o.getInput() + "/");
    input = in.contains("://") ? in : Path.of(in).toAbsolutePath().normalize() + "/";
    if (readFiles) {
      findFiles(o, err);
    }
    // Only the clean stage tokenizes PII; a curated/consumption rebuild needs no key.
    tokenizer =
        ingest
            ? HmacKeys.tokenizer(
                o.getHmacKeyEnv(), o.getAllowDevHmacKey(), LakeOptions.isLocal(o), err, "backfill")
            : new Tokenizer("no-clean-stage-in-this-run".getBytes(StandardCharsets.UTF_8));
    keyFingerprint = ingest ? tokenizer.fingerprint() : null;
    if (ingest) {
      KeyFingerprints.check(RunReport.manifestsOf(o.getLake()), keyFingerprint, "backfill");
    }

    start = Instant.now();
    java.time.Instant started = java.time.Instant.ofEpochMilli(start.getMillis());
    runId =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started)
            + "-"
            + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    ingestDate = started.atZone(ZoneOffset.UTC).toLocalDate().toString();
    raw = LakeOptions.zonePath(o, Zone.RAW);
    clean = LakeOptions.zonePath(o, Zone.CLEAN);
    staging = clean + "/_staging/" + runId;
    rejectScope = "rejects-" + scopeHash(input, from, to);
    cleanConfig =
        new CleanConfig(start, CleanOptions.futureToleranceMillis(o), tokenizer, asOf, from, to);
    lake =
        LakeOptions.forBeam(
            o.getLake().endsWith("/")
                ? o.getLake().substring(0, o.getLake().length() - 1)
                : o.getLake());
    if (readRds) {
      planRds(o, rdsTables);
    }
    present.addAll(files.keySet());
    extracts.forEach(e -> present.add(e.table().dataset()));
    for (SourceDataset d : present) {
      if (!written.contains(d.target())) {
        written.add(d.target());
      }
    }
  }

  static BackfillPlan of(BackfillOptions o, PrintStream err) throws IOException, SQLException {
    return new BackfillPlan(o, err);
  }

  /**
   * The files under --input by dataset: each must hold records and its header every column the
   * dataset needs.
   */
  private void findFiles(BackfillOptions o, PrintStream err) throws IOException {
    List<String> unmatched = SourceFiles.classify(input, files);
    if (!unmatched.isEmpty()) {
      err.println(
          "backfill: WARNING: "
              + unmatched.size()
              + " file(s) under --input match no dataset and are not read: "
              + String.join(", ", unmatched)
              + " (a dataset's file is its name in any case: "
              + SourceFiles.KNOWN
              + "; .csv for CSV, .json or .jsonl for JSON lines, plain or .gz)");
    }
    if (files.isEmpty()) {
      throw new UsageException(
          "no source files under --input="
              + input
              + " (expected orders.csv, products.csv, ...; see sample-data/files)");
    }
    if (!Boolean.TRUE.equals(o.getAllowEmptyFiles())) {
      for (Map.Entry<SourceDataset, List<MatchResult.Metadata>> e : files.entrySet()) {
        for (MatchResult.Metadata md : e.getValue()) {
          String why =
              SourceFiles.withoutRecords(md, e.getKey().format() == SourceDataset.Format.CSV);
          if (why != null) {
            throw new IllegalStateException(
                md.resourceId()
                    + " "
                    + why
                    + "; a source file given must hold records (a rerun would "
                    + "replace the lake's "
                    + e.getKey().sourceName()
                    + " with nothing). --allowEmptyFiles accepts it");
          }
        }
      }
    }
    for (Map.Entry<SourceDataset, List<MatchResult.Metadata>> e : files.entrySet()) {
      for (MatchResult.Metadata md : e.getValue()) {
        SourceFiles.Header h = SourceFiles.header(md, e.getKey());
        if (h != null && !h.missing().isEmpty()) {
          throw new IllegalStateException(
              md.resourceId()
                  + ": the header has no column "
                  + String.join(", ", h.missing())
                  + " (it has "
                  + String.join(", ", h.columns())
                  + "; "
                  + e.getKey().sourceName()
                  + " files need "
                  + String.join(", ", e.getKey().csvColumns())
                  + "); nothing was read or published");
        }
        if (h != null && !h.extra().isEmpty()) {
          err.println(
              "backfill: WARNING: "
                  + md.resourceId()
                  + ": column(s) "
                  + String.join(", ", h.extra())
                  + " are not part of "
                  + e.getKey().sourceName()
                  + " and are ignored");
        }
      }
    }
  }

  /**
   * The JDBC range reads of each table; for an incremental run, the changes since the last marks.
   */
  private void planRds(BackfillOptions o, Set<RdsTable> tables) throws IOException, SQLException {
    Map<String, java.time.Instant> oldMarks = incremental ? HighWater.read(lake) : Map.of();
    newMarks.putAll(oldMarks);
    Map<SourceDataset, Set<String>> touched = new EnumMap<>(SourceDataset.class);
    try (Connection c = Jdbc.connect(o)) {
      for (RdsTable t : tables) {
        RdsExtract e =
            RdsExtract.plan(c, o, t, o.getJdbcPartitions(), from, to, o.getJdbcFetchSize());
        if (incremental) {
          java.time.Instant old = oldMarks.get(t.table());
          java.time.Instant mark = Incremental.highWater(c, t);
          java.time.Instant upTo =
              mark == null ? (old == null ? java.time.Instant.EPOCH : old) : mark;
          e.changedBetween(old, upTo);
          newMarks.put(t.table(), upTo);
          if (t.hasEventTime()) {
            touched.put(t.dataset(), Incremental.touchedPartitions(c, t, old, upTo));
          }
        }
        extracts.add(e);
      }
    }
    if (incremental) {
      // A table not read this run changed nothing: none of its partitions is rewritten.
      Set<String> orderParts = new TreeSet<>(touched.getOrDefault(SourceDataset.ORDERS, Set.of()));
      orderParts.addAll(touched.getOrDefault(SourceDataset.ORDER_LINES, Set.of()));
      rewrite.put(Dataset.ORDERS, orderParts);
      rewrite.put(Dataset.ORDER_LINES, touched.getOrDefault(SourceDataset.ORDER_LINES, Set.of()));
      rewrite.put(Dataset.FEEDBACK, touched.getOrDefault(SourceDataset.FEEDBACK, Set.of()));
    }
  }

  /** The bytes of all input files, for the progress lines. */
  long inputBytes() {
    return files.values().stream()
        .flatMap(List::stream)
        .mapToLong(MatchResult.Metadata::sizeBytes)
        .sum();
  }

  /**
   * The order lines' size in source bytes, for the order join's buckets: files by size (a
   * compressed one at five times its size), RDS rows at about 40 bytes and ten lines per order id
   * of the table's range (the whole range, even for a run of a few days: more buckets than needed).
   */
  long orderLineBytes() {
    long bytes = 0;
    for (MatchResult.Metadata f : files.getOrDefault(SourceDataset.ORDER_LINES, List.of())) {
      bytes += CleanRecords.plannedBytes(f.resourceId().getFilename(), f.sizeBytes());
    }
    for (RdsExtract e : extracts) {
      if (e.table().dataset() == SourceDataset.ORDER_LINES) {
        bytes += e.keySpan() * 10 * 40;
      }
    }
    return bytes;
  }

  static Set<Zone> zones(String value) {
    List<Zone> order = List.of(Zone.RAW, Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION);
    TreeSet<Integer> picked = new TreeSet<>();
    for (String z : value.split(",")) {
      String name = z.trim().toLowerCase(Locale.ROOT);
      int i = -1;
      for (int k = 0; k < order.size(); k++) {
        if (order.get(k).dir().equals(name)) {
          i = k;
        }
      }
      if (i < 0) {
        throw new UsageException(
            "--zones takes raw, clean, curated, consumption; '" + z + "' is none of them");
      }
      picked.add(i);
    }
    if (picked.last() - picked.first() + 1 != picked.size()) {
      throw new UsageException(
          "--zones must be consecutive zones of raw,clean,curated,consumption, was " + value);
    }
    if (picked.contains(0) != picked.contains(1)) {
      throw new UsageException(
          "--zones: raw and clean go together (a run lands raw files as it cleans them), was "
              + value);
    }
    Set<Zone> out = EnumSet.noneOf(Zone.class);
    picked.forEach(i -> out.add(order.get(i)));
    return out;
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
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest((input + "|" + from + "|" + to).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
