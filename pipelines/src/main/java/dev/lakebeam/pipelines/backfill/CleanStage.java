package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.pipelines.rds.RdsExtract;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.clean.MergeLatest;
import dev.lakebeam.transforms.clean.ProtectRejects;
import dev.lakebeam.transforms.io.CopyToRaw;
import dev.lakebeam.transforms.io.ReadZone;
import dev.lakebeam.transforms.io.WriteParquet;
import dev.lakebeam.transforms.parse.ParseRecords;
import dev.lakebeam.transforms.parse.ReadSourceFiles;
import dev.lakebeam.transforms.records.CountReasons;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The wiring of the raw+clean stage: land each source in raw, parse it, clean it with the shared
 * {@link CleanRecords}, and stage the clean datasets and the rejects as Parquet.
 */
final class CleanStage {
  private CleanStage() {}

  static void build(Pipeline p, BackfillPlan plan, int maxRecordBytes, int filesPerPartition) {
    String rawDay = "/" + Partitioning.ingestDate(plan.ingestDate);
    Map<SourceDataset, List<PCollection<Row>>> parsedParts = new EnumMap<>(SourceDataset.class);
    List<PCollection<Row>> rejects = new ArrayList<>();
    for (RdsExtract e : plan.extracts) {
      String table = e.table().table();
      PCollection<Row> raws = p.apply("RDS " + table, e);
      raws.apply(
              "Payloads of " + table,
              MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("payload")))
          .apply(
              "Land rds " + table,
              TextIO.write()
                  .to(plan.raw + "/rds/" + table + rawDay + "/part")
                  .withSuffix(".jsonl")
                  .withCompression(Compression.GZIP)
                  .withNumShards(1));
      PCollectionTuple parsed =
          raws.apply(
              "Parse rds " + table,
              ParseRecords.of(e.table().dataset(), SourceDataset.Format.JSON));
      rejects.add(parsed.get(Rejects.TAG));
      parsedParts
          .computeIfAbsent(e.table().dataset(), k -> new ArrayList<>())
          .add(parsed.get(ParseRecords.PARSED));
    }
    List<ReadSourceFiles> readers = new ArrayList<>();
    for (SourceDataset d : plan.files.keySet()) {
      ReadSourceFiles read =
          ReadSourceFiles.ofFiles(
              d,
              plan.files.get(d).stream().map(md -> md.resourceId().toString()).toList(),
              maxRecordBytes);
      p.apply(
          "Raw " + d.sourceName(),
          new CopyToRaw(
              d.sourceName(), read.globs(), plan.raw + "/files/" + d.sourceName() + rawDay));
      // The clean stage applies the readers: records go from them in blocks per bucket of the
      // grouping that follows (the order join, the dedupe), checked as they are parsed.
      readers.add(read);
    }
    Map<SourceDataset, PCollection<Row>> parsed = new EnumMap<>(SourceDataset.class);
    parsedParts.forEach(
        (d, parts) ->
            parsed.put(
                d,
                parts.size() == 1
                    ? parts.get(0)
                    : PCollectionList.of(parts)
                        .apply("All " + d.sourceName(), Flatten.pCollections())
                        .setCoder(RowBytesCoder.of(parts.get(0).getSchema()))));
    Map<Dataset, PCollection<Row>> existing = new EnumMap<>(Dataset.class);
    if (plan.incremental) {
      for (SourceDataset source : SourceDataset.tables()) {
        Dataset d = source.target();
        ReadZone read = ReadZone.of(d, plan.clean);
        existing.put(
            d,
            p.apply(
                "Existing " + d.datasetName(),
                plan.rewrite.containsKey(d) ? read.partitions(plan.rewrite.get(d)) : read));
      }
    }
    CleanRecords.Input input = CleanRecords.Input.of(p, parsed).withExisting(existing);
    readers.forEach(input::withReader);
    CleanRecords.Output cleaned =
        Pipeline.applyTransform(
            "Clean",
            input,
            CleanRecords.with(plan.cleanConfig)
                .withBuckets(CleanRecords.bucketsFor(plan.orderLineBytes())));
    for (Dataset d : plan.written) {
      String folder = plan.staging + "/" + d.datasetName();
      if (!existing.containsKey(d) && cleaned.blocks(d) != null) {
        cleaned
            .blocks(d)
            .apply(
                "Write " + d.datasetName(),
                WriteParquet.blocks(d, folder, "part", filesPerPartition));
        continue;
      }
      PCollection<Row> rows = cleaned.clean(d);
      if (existing.containsKey(d)) {
        rows =
            PCollectionList.of(existing.get(d))
                .and(rows)
                .apply("Merge " + d.datasetName(), new MergeLatest(d));
      }
      rows.apply("Write " + d.datasetName(), WriteParquet.of(d, folder, "part", filesPerPartition));
    }
    rejects.add(cleaned.rejects());
    PCollectionList.of(rejects)
        .apply("All rejects", Flatten.pCollections())
        .setCoder(RowBytesCoder.of(Rejects.SCHEMA))
        .apply("Protect rejects", ProtectRejects.with(plan.tokenizer))
        .apply("Count rejects", new CountReasons())
        .apply(
            "Write rejects",
            WriteParquet.by(
                Dataset.REJECTS,
                plan.staging + "/" + Dataset.REJECTED_DIR,
                plan.rejectScope,
                Rejects.partitionOn(plan.ingestDate),
                1));
  }
}
