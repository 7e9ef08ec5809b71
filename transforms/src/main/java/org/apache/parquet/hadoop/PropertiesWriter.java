package org.apache.parquet.hadoop;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * Opens a {@link ParquetWriter} on encoding properties built by the caller, as {@code
 * ParquetWriter.Builder.build()} does with its own: Parquet 1.15's builders take no values-writer
 * factory, and the constructor that takes the properties is package-private, hence this class in
 * Parquet's package. lakebeam's {@code ParquetSink} uses it for its dictionary writers.
 */
public final class PropertiesWriter {
  private PropertiesWriter() {}

  /** A writer that overwrites {@code file}, without validation or encryption. */
  public static <T> ParquetWriter<T> open(
      OutputFile file,
      WriteSupport<T> support,
      CompressionCodecName codec,
      long rowGroupBytes,
      Configuration conf,
      ParquetProperties properties)
      throws IOException {
    return new ParquetWriter<>(
        file,
        ParquetFileWriter.Mode.OVERWRITE,
        support,
        codec,
        rowGroupBytes,
        false,
        conf,
        ParquetWriter.MAX_PADDING_SIZE_DEFAULT,
        properties,
        null);
  }
}
