package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;

/**
 * Reads a dataset of a zone back as Rows of its schema: every Parquet file under {@code
 * {zone}/{dataset}/}, partitioned or not ({@code file://}, a local path, or {@code s3://}). {@link
 * #columns} reads only some columns (Parquet's own projection: the others are not even decoded), as
 * rows of those fields in the schema's order.
 */
public final class ReadZone extends PTransform<PBegin, PCollection<Row>> {
  private final Dataset dataset;
  private final String zone;
  private final List<String> partitions;
  private final List<String> columns;

  private ReadZone(Dataset dataset, String zone, List<String> partitions, List<String> columns) {
    this.dataset = dataset;
    this.zone = zone.endsWith("/") ? zone.substring(0, zone.length() - 1) : zone;
    this.partitions = partitions;
    this.columns = columns;
  }

  /** Every file of the dataset. @param zone the zone's folder, e.g. {@code s3://lake/clean} */
  public static ReadZone of(Dataset dataset, String zone) {
    return new ReadZone(dataset, zone, null, null);
  }

  /** Only these partition folders (e.g. {@code year=2025/month=06/day=01}); none: nothing. */
  public ReadZone partitions(Collection<String> folders) {
    return new ReadZone(dataset, zone, List.copyOf(new TreeSet<>(folders)), columns);
  }

  /**
   * Only these columns of the dataset (each must be one of its fields; the rows keep the schema's
   * field order).
   */
  public ReadZone columns(Collection<String> names) {
    Set<String> wanted = new LinkedHashSet<>(names);
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException(
          "ReadZone.columns needs at least one column of " + dataset.datasetName());
    }
    for (String c : wanted) {
      if (!dataset.beamSchema().hasField(c)) {
        throw new IllegalArgumentException(
            dataset.datasetName()
                + " has no column "
                + c
                + "; its columns: "
                + dataset.beamSchema().getFieldNames());
      }
    }
    return new ReadZone(dataset, zone, partitions, List.copyOf(wanted));
  }

  /** The Beam schema of the rows read: the dataset's, or its projection on {@link #columns}. */
  public Schema schema() {
    if (columns == null) {
      return dataset.beamSchema();
    }
    return dataset.beamSchema().getFields().stream()
        .filter(f -> columns.contains(f.getName()))
        .collect(Schema.toSchema());
  }

  private Configuration projectedReads() {
    Configuration conf = new LeanConfiguration();
    AvroReadSupport.setAvroReadSchema(conf, avroSchema());
    return conf;
  }

  private org.apache.avro.Schema avroSchema() {
    org.apache.avro.Schema full = dataset.avroSchema();
    if (columns == null) {
      return full;
    }
    List<org.apache.avro.Schema.Field> fields =
        full.getFields().stream()
            .filter(f -> columns.contains(f.name()))
            .map(f -> new org.apache.avro.Schema.Field(f, f.schema()))
            .toList();
    return org.apache.avro.Schema.createRecord(
        full.getName(), full.getDoc(), full.getNamespace(), false, fields);
  }

  @Override
  public PCollection<Row> expand(PBegin begin) {
    Schema beam = schema();
    String folder = dataset == Dataset.REJECTS ? Dataset.REJECTED_DIR : dataset.datasetName();
    String base = zone + "/" + folder + "/";
    WrittenSchemas.requireCurrent(dataset, base);
    List<String> globs =
        partitions == null
            ? List.of(base + "**.parquet")
            : partitions.stream().map(p -> base + p + "/*.parquet").toList();
    if (globs.isEmpty()) {
      return begin
          .apply("No " + dataset.datasetName(), Create.empty(RowBytesCoder.of(beam)))
          .setCoder(RowBytesCoder.of(beam));
    }
    return begin
        .apply("Globs " + dataset.datasetName(), Create.of(globs).withCoder(StringUtf8Coder.of()))
        .apply(
            "Match " + dataset.datasetName(),
            FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("Open " + dataset.datasetName(), FileIO.readMatches())
        .apply(
            "Read " + dataset.datasetName(),
            columns == null
                ? ParquetIO.readFiles(dataset.avroSchema())
                : ParquetIO.readFiles(avroSchema())
                    .withProjection(avroSchema(), avroSchema())
                    // Parquet-avro would otherwise build records of the file's whole schema with
                    // the
                    // other fields left null, which the projected schema's coder cannot encode.
                    .withConfiguration(projectedReads()))
        .apply("To rows " + dataset.datasetName(), MapElements.via(new ToRow(beam)))
        .setCoder(RowBytesCoder.of(beam));
  }

  static final class ToRow extends SimpleFunction<GenericRecord, Row> {
    private final Schema beam;
    private transient AvroRows.ToRow convert;

    ToRow(Schema beam) {
      this.beam = beam;
    }

    @Override
    public Row apply(GenericRecord r) {
      if (convert == null) {
        convert = new AvroRows.ToRow(beam);
      }
      return convert.apply(r);
    }
  }
}
