package dev.lakebeam.transforms.io;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * A lake dataset's Parquet files read outside a pipeline (serving to PostgreSQL, training the
 * model, the guards before publishing), record by record, on any Beam filesystem ({@code file://},
 * {@code s3://}); {@link ReadZone} reads the same files in a pipeline. Nothing is held in memory
 * beyond one row group.
 */
public final class ParquetFiles {
  /**
   * Read options without a Hadoop configuration: building one per file would cost more than a
   * footer.
   */
  private static final ParquetReadOptions FOOTER_ONLY =
      ParquetReadOptions.builder(new PlainParquetConfiguration()).build();

  private ParquetFiles() {}

  /**
   * Whether a path under a dataset's folder (relative to it) is one of the dataset's data files: a
   * .parquet file outside folders starting with "_" and outside a writer's temporary folder.
   */
  public static boolean isDataFile(String relativePath) {
    return relativePath.endsWith(".parquet")
        && !relativePath.startsWith("_")
        && !relativePath.contains("/_")
        && !relativePath.contains(".temp-beam");
  }

  /**
   * Calls {@code each} for every record of every data file under a folder (none if it has none).
   */
  public static long forEach(String folder, Consumer<GenericRecord> each) throws IOException {
    String base = folder.endsWith("/") ? folder : folder + "/";
    long n = 0;
    for (String rel : ZonePublisher.relativeFiles(base)) {
      if (isDataFile(rel)) {
        n += forEachInFile(base + rel, each);
      }
    }
    return n;
  }

  /**
   * The rows of the data files under a folder whose paths (relative to it) {@code owned} accepts,
   * from the files' footers alone (no row is read); 0 when there are none.
   */
  public static long rowCount(String folder, Predicate<String> owned) throws IOException {
    String base = folder.endsWith("/") ? folder : folder + "/";
    long n = 0;
    for (String rel : ZonePublisher.relativeFiles(base)) {
      if (isDataFile(rel) && owned.test(rel)) {
        try (ParquetFileReader r =
            ParquetFileReader.open(
                new BeamInputFile(FileSystems.matchNewResource(base + rel, false)), FOOTER_ONLY)) {
          n += r.getRecordCount();
        }
      }
    }
    return n;
  }

  /** Calls {@code each} for every record of one Parquet file; returns how many. */
  public static long forEachInFile(String file, Consumer<GenericRecord> each) throws IOException {
    long n = 0;
    try (ParquetReader<GenericRecord> r =
        AvroParquetReader.<GenericRecord>builder(
                new BeamInputFile(FileSystems.matchNewResource(file, false)))
            .build()) {
      for (GenericRecord g = r.read(); g != null; g = r.read()) {
        each.accept(g);
        n++;
      }
    }
    return n;
  }
}
