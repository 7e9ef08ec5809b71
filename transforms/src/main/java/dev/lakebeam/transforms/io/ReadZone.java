package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Reads a dataset of a zone back as Rows of its schema: every Parquet file under {@code
 * {zone}/{dataset}/}, partitioned or not ({@code file://}, a local path, or {@code s3://}).
 */
public final class ReadZone extends PTransform<PBegin, PCollection<Row>> {
  private final Dataset dataset;
  private final String zone;
  private final java.util.List<String> partitions;

  private ReadZone(Dataset dataset, String zone, java.util.List<String> partitions) {
    this.dataset = dataset;
    this.zone = zone.endsWith("/") ? zone.substring(0, zone.length() - 1) : zone;
    this.partitions = partitions;
  }

  /** Every file of the dataset. @param zone the zone's folder, e.g. {@code s3://lake/clean} */
  public static ReadZone of(Dataset dataset, String zone) {
    return new ReadZone(dataset, zone, null);
  }

  /** Only these partition folders (e.g. {@code year=2025/month=06/day=01}); none: nothing. */
  public ReadZone partitions(java.util.Collection<String> folders) {
    return new ReadZone(dataset, zone, java.util.List.copyOf(new java.util.TreeSet<>(folders)));
  }

  @Override
  public PCollection<Row> expand(PBegin begin) {
    Schema beam = dataset.beamSchema();
    String folder = dataset == Dataset.REJECTS ? Dataset.REJECTED_DIR : dataset.datasetName();
    String base = zone + "/" + folder + "/";
    java.util.List<String> globs =
        partitions == null ? java.util.List.of(base + "**.parquet") : partitions.stream().map(p -> base + p + "/*.parquet").toList();
    if (globs.isEmpty()) {
      return begin.apply("No " + dataset.datasetName(), Create.empty(SchemaCoder.of(beam))).setRowSchema(beam);
    }
    return begin
        .apply("Globs " + dataset.datasetName(), Create.of(globs).withCoder(StringUtf8Coder.of()))
        .apply("Match " + dataset.datasetName(), FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("Open " + dataset.datasetName(), FileIO.readMatches())
        .apply("Read " + dataset.datasetName(), ParquetIO.readFiles(dataset.avroSchema()))
        .apply("To rows " + dataset.datasetName(), MapElements.via(new ToRow(beam)))
        .setRowSchema(beam);
  }

  static final class ToRow extends SimpleFunction<GenericRecord, Row> {
    private final Schema beam;

    ToRow(Schema beam) {
      this.beam = beam;
    }

    @Override
    public Row apply(GenericRecord r) {
      return LakeSchemas.toRow(r, beam);
    }
  }
}
