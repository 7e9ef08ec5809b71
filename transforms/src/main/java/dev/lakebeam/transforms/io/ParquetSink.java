package dev.lakebeam.transforms.io;

import dev.lakebeam.transforms.records.FlatRows;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.values.Row;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.PropertiesWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.MessageType;

/**
 * Snappy Parquet of Avro records or of rows, like Beam's {@code ParquetIO.sink} (same codec, row
 * group size and file layout as Avro's writer gives the schema), except that columns whose values
 * are unique per row are written without a dictionary. Parquet tries a dictionary on the first page
 * of every column chunk and gives it up when it does not pay, so for unique values (lineage refs,
 * reject payloads) the try is wasted work: every value hashed and compared against the dictionary,
 * and with one small file per day partition most of a file is its first page. {@code
 * ParquetIO.sink} has no per-column setting and takes records only, hence this sink. Rows are
 * written into the columns without an Avro record each ({@link RowWriteSupport}), and the other
 * columns' dictionaries are {@link DictionaryWriters}' (the pages Parquet's own writers give).
 */
public final class ParquetSink<T> implements FileIO.Sink<T> {
  /** Parquet's default, and ParquetIO's. */
  static final int ROW_GROUP_BYTES = 128 << 20;

  private final String avroJson;
  private final List<String> plainColumns;
  private final boolean rows;
  private transient ParquetWriter<T> writer;

  /** A sink of records of one schema, every column with its dictionary (the default). */
  public static ParquetSink<GenericRecord> of(Schema avro) {
    return new ParquetSink<>(avro, List.of(), false);
  }

  /** A sink of records, with some top-level columns written without a dictionary. */
  static ParquetSink<GenericRecord> records(Schema avro, List<String> plainColumns) {
    return new ParquetSink<>(avro, plainColumns, false);
  }

  /**
   * A sink of rows written as records of the Avro schema, with some columns without a dictionary.
   */
  public static ParquetSink<Row> rows(Schema avro, List<String> plainColumns) {
    return new ParquetSink<>(avro, plainColumns, true);
  }

  /**
   * @param plainColumns top-level columns written without a dictionary (must be in the schema)
   */
  private ParquetSink(Schema avro, List<String> plainColumns, boolean rows) {
    for (String c : plainColumns) {
      if (avro.getField(c) == null) {
        throw new IllegalArgumentException(avro.getName() + " has no column " + c);
      }
    }
    this.avroJson = avro.toString();
    this.plainColumns = List.copyOf(plainColumns);
    this.rows = rows;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void open(WritableByteChannel channel) throws IOException {
    Schema avro = new Schema.Parser().parse(avroJson);
    Configuration conf = new LeanConfiguration();
    MessageType parquet = new AvroSchemaConverter(conf).convert(avro);
    ParquetProperties.Builder properties =
        ParquetProperties.builder().withValuesWriterFactory(new DictionaryWriters.Factory());
    for (String c : plainColumns) {
      properties.withDictionaryEncoding(c, false);
    }
    writer =
        PropertiesWriter.open(
            new ChannelFile(channel),
            (WriteSupport<T>)
                (rows
                    ? new RowWriteSupport(avro, parquet)
                    : new AvroWriteSupport<>(parquet, avro, GenericData.get())),
            CompressionCodecName.SNAPPY,
            ROW_GROUP_BYTES,
            conf,
            properties.build());
  }

  @Override
  public void write(T element) throws IOException {
    writer.write(element);
  }

  /** Whether a sink of rows takes rows of this schema from a {@link FlatRows} cursor. */
  boolean writesFlat(org.apache.beam.sdk.schemas.Schema beam) {
    return rows && RowWriteSupport.writesFlat(new Schema.Parser().parse(avroJson), beam);
  }

  /** Writes the cursor's current row (a sink of rows whose schema {@link #writesFlat}). */
  @SuppressWarnings("unchecked")
  void writeFlat(FlatRows row) throws IOException {
    if (!rows) {
      throw new IllegalStateException("a sink of records takes no rows");
    }
    ((ParquetWriter<Object>) writer).write(row);
  }

  /** Ends the file; the channel stays open for FileIO, which closes it. */
  @Override
  public void flush() throws IOException {
    writer.close();
    writer = null;
  }

  /** The channel FileIO opened, as Parquet's output file. */
  static final class ChannelFile implements OutputFile {
    private final OutputStream out;

    ChannelFile(WritableByteChannel channel) {
      this.out = Channels.newOutputStream(channel);
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new PositionOutputStream() {
        private long pos;

        @Override
        public long getPos() {
          return pos;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          pos++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          pos += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.flush(); // not the channel: FileIO closes it exactly once
        }
      };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }
}
