package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.parquet.ParquetIO;
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

  private ReadZone(Dataset dataset, String zone) {
    this.dataset = dataset;
    this.zone = zone.endsWith("/") ? zone.substring(0, zone.length() - 1) : zone;
  }

  /** @param zone the zone's folder, e.g. {@code s3://lake/clean} */
  public static ReadZone of(Dataset dataset, String zone) {
    return new ReadZone(dataset, zone);
  }

  @Override
  public PCollection<Row> expand(PBegin begin) {
    Schema beam = dataset.beamSchema();
    String folder = dataset == Dataset.REJECTS ? Dataset.REJECTED_DIR : dataset.datasetName();
    return begin
        .apply("Read " + dataset.datasetName(), ParquetIO.read(dataset.avroSchema()).from(zone + "/" + folder + "/**.parquet"))
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
