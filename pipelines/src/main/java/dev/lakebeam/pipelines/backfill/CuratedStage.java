package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.curated.CustomerSegments;
import dev.lakebeam.transforms.curated.EnrichOrderLines;
import dev.lakebeam.transforms.curated.EnrichedTotals;
import dev.lakebeam.transforms.curated.Features;
import dev.lakebeam.transforms.curated.PredictReorders;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.records.CountRows;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBlock;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;

/**
 * The wiring of the curated/consumption stage: the clean zone (or the curated enriched lines) into
 * the enriched facts, the feature tables of the as_of date, the business aggregates and the reorder
 * predictions, each staged as Parquet.
 */
final class CuratedStage {
  private final Curate.Settings s;

  /** Each dataset written, with its staging folder. */
  private final Map<Dataset, String> staged = new EnumMap<>(Dataset.class);

  private CuratedStage(Curate.Settings s) {
    this.s = s;
  }

  /** Builds the stage into {@code p}; returns each dataset it stages, with its folder. */
  static Map<Dataset, String> build(Pipeline p, Curate.Settings s) {
    return new CuratedStage(s).wire(p);
  }

  private Map<Dataset, String> wire(Pipeline p) {
    // The enriched lines cross to their readers in blocks per day partition, encoded once: the
    // writer takes them as they are, the roll-up decodes only the fields it reads.
    PackRows.Shared enrichedFor;
    PCollectionTuple totals = null;
    if (s.buildCurated()) {
      // with consumption, the daily and product sums are taken in the join (EnrichedTotals)
      PCollection<KV<String, RowBlock>> blocks =
          p.apply("Read clean order_lines", enrichmentInput(Dataset.ORDER_LINES))
              .apply(
                  "Enrich",
                  new EnrichOrderLines(
                          p.apply("Read clean orders", enrichmentInput(Dataset.ORDERS)),
                          p.apply("Read clean products", enrichmentInput(Dataset.PRODUCTS)),
                          p.apply("Read clean aisles", enrichmentInput(Dataset.AISLES)),
                          p.apply("Read clean departments", enrichmentInput(Dataset.DEPARTMENTS)))
                      .withBuckets(s.buckets())
                      .inBlocks(
                          WriteParquet.partitionFn(Dataset.ORDER_LINES_ENRICHED),
                          s.buildConsumption()));
      enrichedFor =
          PackRows.Shared.of(
              blocks,
              Dataset.ORDER_LINES_ENRICHED.beamSchema(),
              "Enriched lines",
              true,
              EnrichedTotals.ENRICHED_LINES);
      writeBlocks(enrichedFor, Dataset.ORDER_LINES_ENRICHED);
      if (s.buildConsumption()) {
        totals = blocks.apply("Daily and product sums", new EnrichedTotals.Tables());
      }
    } else {
      enrichedFor =
          PackRows.shared(
              p.apply(
                  "Read curated order_lines_enriched",
                  ReadZone.of(Dataset.ORDER_LINES_ENRICHED, s.curated())),
              "Enriched lines");
      if (s.buildConsumption()) {
        totals = EnrichedTotals.fromLines(enrichedFor, s.buckets());
      }
    }
    Features rollUp =
        Features.asOf(s.asOf()).withBuckets(s.buckets()).withBlockKey(s.asOfPartition());
    PCollectionTuple features =
        enrichedFor.apply("features", Features.ROLL_UP_FIELDS).apply("Features", rollUp);
    if (s.buildCurated()) {
      // the roll-up's blocks are keyed by the as_of partition: its writers take them as they are
      writeBlocks(rollUp.shared(features, Features.USER_FEATURES), Dataset.USER_FEATURES);
      write(Features.rows(features, Features.PRODUCT_FEATURES), Dataset.PRODUCT_FEATURES);
      writeBlocks(
          rollUp.shared(features, Features.USER_PRODUCT_FEATURES), Dataset.USER_PRODUCT_FEATURES);
    }
    if (s.buildConsumption()) {
      write(
          totals.get(EnrichedTotals.Tables.DAILY_DEPARTMENT_SALES), Dataset.DAILY_DEPARTMENT_SALES);
      write(totals.get(EnrichedTotals.Tables.PRODUCT_PERFORMANCE), Dataset.PRODUCT_PERFORMANCE);
      write(
          Features.rows(features, Features.RFM).apply("Customer segments", new CustomerSegments()),
          Dataset.CUSTOMER_SEGMENTS);
      write(
          features.apply(
              "Reorder predictions",
              PredictReorders.with(s.model(), s.topN()).withBuckets(s.buckets())),
          Dataset.REORDER_PREDICTIONS);
    }
    return staged;
  }

  /** A clean dataset, only the columns the enrichment reads. */
  private ReadZone enrichmentInput(Dataset d) {
    return ReadZone.of(d, s.clean()).columns(EnrichOrderLines.COLUMNS.get(d));
  }

  /** Stages a curated dataset given as blocks per partition folder (of its own layout). */
  private void writeBlocks(PackRows.Shared rows, Dataset d) {
    // the writer decodes the blocks with the dataset's schema and files them by their key
    if (!rows.schema().equals(d.beamSchema()) || !rows.keyed()) {
      throw new IllegalStateException(
          "blocks of " + rows.schema() + " are not " + d.datasetName() + "'s, per partition");
    }
    PCollection<KV<String, RowBlock>> blocks = rows.blocks();
    String folder = s.curatedStaging() + "/" + d.datasetName();
    blocks
        .apply("Count " + d.datasetName(), CountRows.blocksAs(d.datasetName()))
        .apply(
            "Write " + d.datasetName(),
            WriteParquet.blocks(d, folder, "part", s.filesPerPartition()));
    staged.put(d, folder);
  }

  /** Stages a dataset in its zone's staging folder; the feature tables in the as_of partition. */
  private void write(PCollection<Row> rows, Dataset d) {
    String staging = d.zone() == Zone.CURATED ? s.curatedStaging() : s.consumptionStaging();
    String folder = staging + "/" + d.datasetName();
    String partition = d.partitioning() == Partitioning.AS_OF ? s.asOfPartition() : null;
    PCollection<Row> counted =
        rows.apply("Count " + d.datasetName(), CountRows.as(d.datasetName()));
    counted.apply(
        "Write " + d.datasetName(),
        partition == null
            ? WriteParquet.of(d, folder, "part", s.filesPerPartition())
            : WriteParquet.by(d, folder, "part", r -> partition, s.filesPerPartition()));
    staged.put(d, folder);
  }
}
