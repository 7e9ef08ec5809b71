package dev.lakebeam.pipelines.lake;

import dev.lakebeam.transforms.io.BeamInputFile;
import dev.lakebeam.transforms.io.ZonePublisher;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Reads a lake dataset's Parquet files outside a pipeline (serving to PostgreSQL, training the
 * model), record by record, on any Beam filesystem ({@code file://}, {@code s3://}). Nothing is
 * held in memory beyond one row group.
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** Calls {@code each} for every record of every .parquet file under a folder (none if it has none). */
  public static long forEach(String folder, Consumer<GenericRecord> each) throws IOException {
    String base = folder.endsWith("/") ? folder : folder + "/";
    long n = 0;
    for (String rel : ZonePublisher.relativeFiles(base)) {
      if (!rel.endsWith(".parquet") || rel.startsWith("_") || rel.contains("/_") || rel.contains(".temp-beam")) {
        continue;
      }
      try (ParquetReader<GenericRecord> r =
          AvroParquetReader.<GenericRecord>builder(new BeamInputFile(FileSystems.matchNewResource(base + rel, false))).build()) {
        for (GenericRecord g = r.read(); g != null; g = r.read()) {
          each.accept(g);
          n++;
        }
      }
    }
    return n;
  }

  /** Read options without a Hadoop configuration: building one per file was most of the count's time. */
  private static final org.apache.parquet.ParquetReadOptions FOOTER_ONLY =
      org.apache.parquet.ParquetReadOptions.builder(new org.apache.parquet.conf.PlainParquetConfiguration()).build();

  /**
   * The rows of the .parquet files under a folder whose paths (relative to it) {@code owned}
   * accepts, from the files' footers alone (no row is read); 0 when there are none.
   */

  public static long rowCount(String folder, java.util.function.Predicate<String> owned) throws IOException {
    String base = folder.endsWith("/") ? folder : folder + "/";
    long n = 0;
    for (String rel : ZonePublisher.relativeFiles(base)) {
      if (!rel.endsWith(".parquet") || rel.startsWith("_") || rel.contains("/_") || rel.contains(".temp-beam") || !owned.test(rel)) {
        continue;
      }
      try (org.apache.parquet.hadoop.ParquetFileReader r =
          org.apache.parquet.hadoop.ParquetFileReader.open(new BeamInputFile(FileSystems.matchNewResource(base + rel, false)), FOOTER_ONLY)) {
        n += r.getRecordCount();
      }
    }
    return n;
  }

  /** Calls {@code each} for every record of one Parquet file; returns how many. */
  public static long forEachInFile(String file, Consumer<GenericRecord> each) throws IOException {
    long n = 0;
    try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(new BeamInputFile(FileSystems.matchNewResource(file, false))).build()) {
      for (GenericRecord g = r.read(); g != null; g = r.read()) {
        each.accept(g);
        n++;
      }
    }
    return n;
  }
}
