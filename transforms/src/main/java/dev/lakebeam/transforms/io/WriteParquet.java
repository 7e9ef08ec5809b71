package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.transforms.records.FieldPositions;
import dev.lakebeam.transforms.records.FlatRows;
import dev.lakebeam.transforms.records.OpenBlocks;
import dev.lakebeam.transforms.records.RowBlock;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Writes rows of a dataset as Snappy Parquet under a folder, one sub-folder per partition ({@code
 * year=YYYY/month=MM/day=DD} of the UTC event date, or none), files named {@code
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

  private WriteParquet(
      Dataset dataset,
      String folder,
      String prefix,
      SerializableFunction<Row, String> partitionOf,
      int shards) {
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
  public static WriteParquet by(
      Dataset dataset,
      String folder,
      String prefix,
      SerializableFunction<Row, String> partitionOf,
      int shards) {
    return new WriteParquet(dataset, folder, prefix, partitionOf, shards);
  }

  /** The relative partition folder of a row of a dataset ("" when not partitioned by date). */
  public static SerializableFunction<Row, String> partitionFn(Dataset dataset) {
    if (dataset.partitioning() != Partitioning.EVENT_DATE) {
      return r -> "";
    }
    return new DayPartition(dataset.eventTimeColumn().orElseThrow());
  }

  /**
   * A batch collection (bounded, global window) crosses the writer's shuffle in blocks per
   * partition folder ({@link Blocks}); with one file per partition (the default) the files hold the
   * same rows as row by row. A stream's rows cross it one by one (its panes need their windows).
   * Either way rows go into Parquet's columns in the writer, after the shuffle.
   */
  @Override
  public WriteFilesResult<String> expand(PCollection<Row> rows) {
    Schema avro = dataset.avroSchema();
    String p = prefix;
    if (rows.isBounded() == PCollection.IsBounded.BOUNDED
        && rows.getWindowingStrategy().getWindowFn() instanceof GlobalWindows) {
      // A batch run: rows cross the writer's shuffle as blocks per partition, not one by one.
      return rows.apply(
              "Blocks of " + dataset.datasetName(),
              ParDo.of(new ToPartitionBlocks(partitionOf, rows.getSchema())))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of()))
          .apply(new Blocks(dataset, folder, prefix, shards, rows.getSchema()));
    }
    FileIO.Write<String, Row> write =
        FileIO.<String, Row>writeDynamic()
            .by(partitionOf)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(ParquetSink.rows(avro, dataset.uniqueColumns()))
            .to(folder)
            .withNaming(key -> new Naming(key.isEmpty() ? p : key + "/" + p))
            .withNumShards(shards);
    return rows.apply("Write " + dataset.datasetName(), write);
  }

  /** A row's {@code year=YYYY/month=MM/day=DD} folder, formatted once per day seen. */
  static final class DayPartition implements SerializableFunction<Row, String> {
    private static final long DAY_MILLIS = 86_400_000L;
    private final FieldPositions column;

    /** Folders by day, direct-mapped: rows come in any day order, and formatting costs. */
    private transient long[] days;

    private transient String[] folders;

    DayPartition(String column) {
      this.column = new FieldPositions(column);
    }

    @Override
    public String apply(Row r) {
      long day = Math.floorDiv(r.getDateTime(column.in(r.getSchema())[0]).getMillis(), DAY_MILLIS);
      if (folders == null) {
        days = new long[1024];
        folders = new String[1024];
      }
      int slot = (int) (day & 1023);
      if (folders[slot] == null || days[slot] != day) {
        folders[slot] = PARTITION.format(Instant.ofEpochMilli(day * DAY_MILLIS));
        days[slot] = day;
      }
      return folders[slot];
    }
  }

  /** Writes blocks of rows keyed by their partition folder (the dataset's beam schema). */
  public static Blocks blocks(Dataset dataset, String folder, String prefix, int shards) {
    return new Blocks(dataset, folder, prefix, shards, dataset.beamSchema());
  }

  /**
   * The batch writer: blocks per partition folder cross FileIO's shuffle, each row written to
   * Parquet.
   */
  public static final class Blocks
      extends PTransform<PCollection<KV<String, RowBlock>>, WriteFilesResult<String>> {
    private final Dataset dataset;
    private final String folder;
    private final String prefix;
    private final int shards;
    private final org.apache.beam.sdk.schemas.Schema schema;

    Blocks(
        Dataset dataset,
        String folder,
        String prefix,
        int shards,
        org.apache.beam.sdk.schemas.Schema schema) {
      this.dataset = dataset;
      this.folder = folder;
      this.prefix = prefix;
      this.shards = shards;
      this.schema = schema;
    }

    @Override
    public WriteFilesResult<String> expand(PCollection<KV<String, RowBlock>> blocks) {
      Schema avro = dataset.avroSchema();
      String p = prefix;
      return blocks.apply(
          "Write " + dataset.datasetName(),
          FileIO.<String, KV<String, RowBlock>>writeDynamic()
              .by(KV::getKey)
              .withDestinationCoder(StringUtf8Coder.of())
              .via(new BlockSink(ParquetSink.rows(avro, dataset.uniqueColumns()), schema))
              .to(folder)
              .withNaming(key -> new Naming(key.isEmpty() ? p : key + "/" + p))
              .withNumShards(shards));
    }
  }

  /** Rows into a block per partition folder, handed over when full and at the end of the bundle. */
  static final class ToPartitionBlocks extends DoFn<Row, KV<String, RowBlock>> {
    private final SerializableFunction<Row, String> partitionOf;
    private final org.apache.beam.sdk.schemas.Schema schema;
    private transient OpenBlocks<String> open;

    ToPartitionBlocks(
        SerializableFunction<Row, String> partitionOf, org.apache.beam.sdk.schemas.Schema schema) {
      this.partitionOf = partitionOf;
      this.schema = schema;
    }

    @Setup
    public void setup() {
      open = new OpenBlocks<>(0, RowCoder.of(schema));
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, RowBlock>> out) {
      open.add(
          partitionOf.apply(row), row, (partition, block) -> out.output(KV.of(partition, block)));
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      open.flush(
          (partition, block) ->
              c.output(
                  KV.of(partition, block),
                  BoundedWindow.TIMESTAMP_MIN_VALUE,
                  GlobalWindow.INSTANCE));
    }
  }

  /**
   * Writes each row of a block through the Parquet sink: straight from the block's bytes ({@link
   * FlatRows}) when the schema allows, else as decoded rows.
   */
  static final class BlockSink implements FileIO.Sink<KV<String, RowBlock>> {
    private final ParquetSink<Row> parquet;
    private final org.apache.beam.sdk.schemas.Schema schema;
    private transient RowCoder coder;
    private transient boolean flat;

    BlockSink(ParquetSink<Row> parquet, org.apache.beam.sdk.schemas.Schema schema) {
      this.parquet = parquet;
      this.schema = schema;
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      if (coder == null) {
        coder = RowCoder.of(schema);
        flat = parquet.writesFlat(schema);
      }
      parquet.open(channel);
    }

    @Override
    public void write(KV<String, RowBlock> block) throws IOException {
      if (flat) {
        FlatRows rows = block.getValue().flatRows(coder);
        while (rows.next()) {
          parquet.writeFlat(rows);
        }
        return;
      }
      for (Row r : block.getValue().rows(coder)) {
        parquet.write(r);
      }
    }

    @Override
    public void flush() throws IOException {
      parquet.flush();
    }
  }

  /**
   * File names: {@code prefix-00000-of-00001.parquet} in the global window (a batch run), and
   * {@code prefix-20250620T120000Z-20250620T120100Z-p0-00000-of-00001.parquet} for a window's pane
   * (the stream): no colons, which Hadoop-based readers refuse in a path.
   */
  static final class Naming implements FileIO.Write.FileNaming {
    private static final DateTimeFormatter COMPACT =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private final String prefix;

    Naming(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public String getFilename(
        BoundedWindow window,
        PaneInfo pane,
        int numShards,
        int shardIndex,
        Compression compression) {
      StringBuilder name = new StringBuilder(prefix);
      if (window instanceof IntervalWindow w) {
        name.append('-')
            .append(COMPACT.format(Instant.ofEpochMilli(w.start().getMillis())))
            .append('-')
            .append(COMPACT.format(Instant.ofEpochMilli(w.end().getMillis())))
            .append("-p")
            .append(pane.getIndex());
      }
      return name.append(String.format(Locale.ROOT, "-%05d-of-%05d.parquet", shardIndex, numShards))
          .toString();
    }
  }
}
