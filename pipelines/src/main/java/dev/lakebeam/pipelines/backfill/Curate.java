package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.run.RunMetrics;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.curated.ReorderModel;
import dev.lakebeam.transforms.io.ZonePublisher;
import dev.lakebeam.transforms.records.CountRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The second stage of a backfill: the whole clean zone into curated ({@code order_lines_enriched}
 * and the feature tables of the as_of date) and consumption (the business aggregates and the
 * reorder predictions), with the shared transforms of {@code transforms/curated}. Staged, then
 * published like the clean zone: enriched facts and consumption tables are rebuilt whole, the
 * feature tables replace only their {@code as_of=} partition (older snapshots stay).
 *
 * <p>It reads the published clean zone rather than the first stage's output, so a run limited by
 * --from/--to or an incremental run still computes features and aggregates over all history.
 */
final class Curate {
  /** What the stage wrote: per dataset, the files published and the rows. */
  record Outcome(Map<String, List<String>> outputs, Map<String, Long> rows) {}

  /**
   * What the curated stage builds and where it stages it.
   *
   * @param model the reorder model, when consumption is built
   * @param buckets the buckets of the order join and of the roll-ups
   */
  record Settings(
      String clean,
      String curated,
      boolean buildCurated,
      boolean buildConsumption,
      ReorderModel model,
      int topN,
      LocalDate asOf,
      String curatedStaging,
      String consumptionStaging,
      int buckets,
      int filesPerPartition) {
    String asOfPartition() {
      return "as_of=" + asOf;
    }
  }

  private final BackfillOptions o;
  private final String runId;
  private final LocalDate asOf;
  private final Set<Zone> zones;

  Curate(BackfillOptions o, String runId, LocalDate asOf, Set<Zone> zones) {
    this.o = o;
    this.runId = runId;
    this.asOf = asOf;
    this.zones = zones;
  }

  Outcome run() throws Exception {
    String clean = LakeOptions.zonePath(o, Zone.CLEAN);
    String curated = LakeOptions.zonePath(o, Zone.CURATED);
    String consumption = LakeOptions.zonePath(o, Zone.CONSUMPTION);
    boolean buildCurated = zones.contains(Zone.CURATED);
    boolean buildConsumption = zones.contains(Zone.CONSUMPTION);
    ReorderModel model = buildConsumption ? model(o) : null;
    if (buildCurated) {
      for (Dataset d :
          List.of(
              Dataset.ORDERS,
              Dataset.ORDER_LINES,
              Dataset.PRODUCTS,
              Dataset.DEPARTMENTS,
              Dataset.AISLES)) {
        requireData(clean, d, "run backfill with --zones=raw,clean (or all zones) first");
      }
    } else {
      requireData(
          curated,
          Dataset.ORDER_LINES_ENRICHED,
          "run backfill with --zones=curated (or all zones) first");
    }
    String curatedStaging = curated + "/_staging/" + runId;
    String consumptionStaging = consumption + "/_staging/" + runId;
    int buckets =
        rollUpBuckets(
            buildCurated
                ? parquetBytes(clean, Dataset.ORDER_LINES)
                : parquetBytes(curated, Dataset.ORDER_LINES_ENRICHED));
    Pipeline p = Pipeline.create(o);
    Settings settings =
        new Settings(
            clean,
            curated,
            buildCurated,
            buildConsumption,
            model,
            o.getTopN(),
            asOf,
            curatedStaging,
            consumptionStaging,
            buckets,
            o.getFilesPerPartition());
    Map<Dataset, String> staged = CuratedStage.build(p, settings);
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the curated/consumption pipeline ended in state " + state);
    }
    Map<String, Long> metrics = RunMetrics.values(result, CountRows.NAMESPACE);
    Map<String, List<String>> outputs = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    for (Map.Entry<Dataset, String> e : staged.entrySet()) {
      Dataset d = e.getKey();
      String target = (d.zone() == Zone.CURATED ? curated : consumption) + "/" + d.datasetName();
      Predicate<String> owned =
          d.partitioning() == Partitioning.AS_OF
              ? rel -> rel.startsWith(settings.asOfPartition() + "/")
              : ZonePublisher.everything();
      ZonePublisher.Published pub = ZonePublisher.publish(e.getValue(), target, owned);
      outputs.put(d.zone().dir() + "/" + d.datasetName(), pub.files());
      rows.put(d.zone().dir() + "/" + d.datasetName(), metrics.getOrDefault(d.datasetName(), 0L));
    }
    if (buildCurated) {
      ZonePublisher.deleteAll(curatedStaging);
      Publication.removeEmptyStaging(curated);
    }
    if (buildConsumption) {
      ZonePublisher.deleteAll(consumptionStaging);
      Publication.removeEmptyStaging(consumption);
    }
    return new Outcome(outputs, rows);
  }

  /**
   * The model of this run: --reorderModel's file, or the one shipped in the jar. Checked before
   * anything runs.
   */
  static ReorderModel model(BackfillOptions o) throws IOException {
    if (o.getReorderModel() == null || o.getReorderModel().isBlank()) {
      return ReorderModel.shipped();
    }
    Path file = Path.of(o.getReorderModel());
    if (!Files.isRegularFile(file)) {
      throw new UsageException(
          "--reorderModel " + file + " is not a file (write one with train-model)");
    }
    try {
      return ReorderModel.fromFile(file);
    } catch (IllegalArgumentException | IOException e) {
      throw new UsageException("--reorderModel " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Buckets of the order join and of the roll-ups by user and by day: one per 64 KiB of order-line
   * Parquet (some 6,000 lines, about a MiB once decoded), from 16 to {@link #MAX_BUCKETS}: a
   * bucket's rows, held until the bucket is read, die before the next young collection.
   */
  static int rollUpBuckets(long lineParquetBytes) {
    return (int)
        Math.min(
            MAX_BUCKETS, Math.max(CleanRecords.DEFAULT_BUCKETS, lineParquetBytes / (64 << 10)));
  }

  /** The clean stage's cap: each step that packs blocks holds one open per bucket. */
  static final int MAX_BUCKETS = CleanRecords.MAX_BUCKETS;

  private static long parquetBytes(String zone, Dataset d) throws IOException {
    MatchResult m =
        FileSystems.match(zone + "/" + d.datasetName() + "/**.parquet", EmptyMatchTreatment.ALLOW);
    return m.status() == MatchResult.Status.OK
        ? m.metadata().stream().mapToLong(MatchResult.Metadata::sizeBytes).sum()
        : 0;
  }

  private static void requireData(String zone, Dataset d, String hint) throws IOException {
    MatchResult m =
        FileSystems.match(zone + "/" + d.datasetName() + "/**.parquet", EmptyMatchTreatment.ALLOW);
    if (m.status() != MatchResult.Status.OK || m.metadata().isEmpty()) {
      throw new UsageException("no " + d.datasetName() + " in " + zone + "; " + hint);
    }
  }
}
