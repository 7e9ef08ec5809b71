package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import dev.lakebeam.schemas.Partitioning;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Writes rows of a dataset as Snappy Parquet under a folder, one sub-folder per partition
 * ({@code year=YYYY/month=MM/day=DD} of the UTC event date, or none), files named {@code
 * <prefix>-SSSSS-of-NNNNN.parquet}. The folder is a staging area: {@link ZonePublisher} moves
 * finished partitions into place, so readers never see a partial one.
 */
public final class WriteParquet extends PTransform<PCollection<Row>, WriteFilesResult<String>> {
  private static final DateTimeFormatter PARTITION =
      DateTimeFormatter.ofPattern("'year='yyyy/'month='MM/'day='dd").withZone(ZoneOffset.UTC);

  private final Dataset dataset;
  private final String folder;
  private final String prefix;
  private final SerializableFunction<Row, String> partitionOf;
  private final int shards;

  private WriteParquet(Dataset dataset, String folder, String prefix, SerializableFunction<Row, String> partitionOf, int shards) {
    this.dataset = dataset;
    this.folder = folder;
    this.prefix = prefix;
    this.partitionOf = partitionOf;
    this.shards = shards;
  }

  /** Partitions by the dataset's own layout (event date or none). */
  public static WriteParquet of(Dataset dataset, String folder, String prefix, int shards) {
    return new WriteParquet(dataset, folder, prefix, partitionFn(dataset), shards);
  }

  /** Partitions by a function of the row (e.g. the rejects' dataset and ingest date). */
  public static WriteParquet by(Dataset dataset, String folder, String prefix, SerializableFunction<Row, String> partitionOf, int shards) {
    return new WriteParquet(dataset, folder, prefix, partitionOf, shards);
  }

  /** The relative partition folder of a row of a dataset ("" when not partitioned by date). */
  public static SerializableFunction<Row, String> partitionFn(Dataset dataset) {
    if (dataset.partitioning() != Partitioning.EVENT_DATE) {
      return r -> "";
    }
    String column = dataset.eventTimeColumn().orElseThrow();
    return r -> PARTITION.format(java.time.Instant.ofEpochMilli(r.getDateTime(column).getMillis()));
  }

  @Override
  public WriteFilesResult<String> expand(PCollection<Row> rows) {
    Schema avro = dataset.avroSchema();
    String avroJson = avro.toString();
    SerializableFunction<Row, String> part = partitionOf;
    String p = prefix;
    PCollection<KeyedRecord> records =
        rows.apply(
                "To Avro " + dataset.datasetName(),
                MapElements.into(TypeDescriptor.of(KeyedRecord.class))
                    .via(new ToAvro(avroJson, part)))
            .setCoder(KeyedRecord.coder(avro));
    FileIO.Write<String, KeyedRecord> write =
        FileIO.<String, KeyedRecord>writeDynamic()
            .by(KeyedRecord::partition)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(Contextful.fn(KeyedRecord::record), ParquetIO.sink(avro).withCompressionCodec(CompressionCodecName.SNAPPY)
                .withConfiguration(new LeanConfiguration()))
            .to(folder)
            .withNaming(key -> new Naming(key.isEmpty() ? p : key + "/" + p))
            .withNumShards(shards);
    return records.apply("Write " + dataset.datasetName(), write);
  }

  /** Row to Avro, with the partition it goes to. */
  static final class ToAvro implements SerializableFunction<Row, KeyedRecord> {
    private final String avroJson;
    private final SerializableFunction<Row, String> partitionOf;
    private transient Schema schema;

    ToAvro(String avroJson, SerializableFunction<Row, String> partitionOf) {
      this.avroJson = avroJson;
      this.partitionOf = partitionOf;
    }

    @Override
    public KeyedRecord apply(Row r) {
      if (schema == null) {
        schema = new Schema.Parser().parse(avroJson);
      }
      return new KeyedRecord(partitionOf.apply(r), LakeSchemas.toGenericRecord(r, schema));
    }
  }

  /** A record and its partition. */
  public static final class KeyedRecord {
    private final String partition;
    private final GenericRecord record;

    KeyedRecord(String partition, GenericRecord record) {
      this.partition = partition;
      this.record = record;
    }

    public String partition() {
      return partition;
    }

    public GenericRecord record() {
      return record;
    }

    static org.apache.beam.sdk.coders.Coder<KeyedRecord> coder(Schema avro) {
      return new KeyedRecordCoder(AvroCoder.of(avro));
    }
  }

  static final class KeyedRecordCoder extends org.apache.beam.sdk.coders.CustomCoder<KeyedRecord> {
    private final AvroCoder<GenericRecord> records;

    KeyedRecordCoder(AvroCoder<GenericRecord> records) {
      this.records = records;
    }

    @Override
    public void encode(KeyedRecord value, java.io.OutputStream out) throws java.io.IOException {
      StringUtf8Coder.of().encode(value.partition, out);
      records.encode(value.record, out);
    }

    @Override
    public KeyedRecord decode(java.io.InputStream in) throws java.io.IOException {
      return new KeyedRecord(StringUtf8Coder.of().decode(in), records.decode(in));
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      records.verifyDeterministic();
    }
  }

  /**
   * File names: {@code prefix-00000-of-00001.parquet} in the global window (a batch run), and
   * {@code prefix-20250620T120000Z-20250620T120100Z-p0-00000-of-00001.parquet} for a window's
   * pane (the stream): no colons, which Hadoop-based readers refuse in a path.
   */
  static final class Naming implements FileIO.Write.FileNaming {
    private static final DateTimeFormatter COMPACT =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC);
    private final String prefix;

    Naming(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public String getFilename(org.apache.beam.sdk.transforms.windowing.BoundedWindow window,
        org.apache.beam.sdk.transforms.windowing.PaneInfo pane, int numShards, int shardIndex,
        org.apache.beam.sdk.io.Compression compression) {
      StringBuilder name = new StringBuilder(prefix);
      if (window instanceof org.apache.beam.sdk.transforms.windowing.IntervalWindow w) {
        name.append('-').append(COMPACT.format(java.time.Instant.ofEpochMilli(w.start().getMillis())))
            .append('-').append(COMPACT.format(java.time.Instant.ofEpochMilli(w.end().getMillis())))
            .append("-p").append(pane.getIndex());
      }
      return name.append(String.format(java.util.Locale.ROOT, "-%05d-of-%05d.parquet", shardIndex, numShards)).toString();
    }
  }
}
