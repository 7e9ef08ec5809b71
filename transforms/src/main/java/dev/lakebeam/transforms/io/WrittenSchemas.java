package dev.lakebeam.transforms.io;

import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * The schema version a lake file was written with, from its footer, and whether the newest
 * version's readers can read it: a file that holds money as a double (before it became {@code
 * DECIMAL(12,2)}) needs {@code lakebeam upgrade} first.
 */
public final class WrittenSchemas {
  private static final ParquetReadOptions FOOTER_ONLY =
      ParquetReadOptions.builder(new PlainParquetConfiguration()).build();

  private WrittenSchemas() {}

  /**
   * The Avro schema parquet-avro recorded in a file's footer, or null for a file it did not write.
   */
  public static Schema of(String file) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            new BeamInputFile(FileSystems.matchNewResource(file, false)), FOOTER_ONLY)) {
      String json =
          r.getFooter().getFileMetaData().getKeyValueMetaData().get("parquet.avro.schema");
      return json == null ? null : new Schema.Parser().parse(json);
    }
  }

  /** The rows of one file, from its footer. */
  public static long rowCount(String file) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            new BeamInputFile(FileSystems.matchNewResource(file, false)), FOOTER_ONLY)) {
      return r.getRecordCount();
    }
  }

  /**
   * Whether a file's schema holds a double where the newest version holds a decimal it reads from
   * one.
   */
  public static boolean outdated(Schema written, Schema latest) {
    for (Schema.Field f : latest.getFields()) {
      Schema.Field w = written.getField(f.name());
      if (f.getObjectProp("lakebeam.fromDouble") != null
          && w != null
          && AvroRows.nonNull(w.schema()).getType() == Schema.Type.DOUBLE) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses, before a pipeline reads it, a dataset written whole by an older version (money as a
   * double). One file is enough: the datasets pipelines read back are written whole by one run.
   */
  public static void requireCurrent(Dataset d, String datasetFolder) {
    boolean money =
        d.avroSchema().getFields().stream()
            .anyMatch(f -> f.getObjectProp("lakebeam.fromDouble") != null);
    if (!money) {
      return;
    }
    try {
      MatchResult m =
          FileSystems.match(List.of(datasetFolder + "**.parquet"), EmptyMatchTreatment.ALLOW)
              .get(0);
      for (MatchResult.Metadata f : m.metadata()) {
        String path = f.resourceId().toString();
        String rel =
            path.startsWith(datasetFolder)
                ? path.substring(datasetFolder.length())
                : f.resourceId().getFilename();
        if (rel.startsWith("_") || rel.contains("/_") || rel.contains(".temp-beam")) {
          continue;
        }
        Schema written = of(path);
        if (written != null && outdated(written, d.avroSchema())) {
          throw new IllegalStateException(
              path
                  + " was written by an older lakebeam, with money as a double; "
                  + "run `lakebeam upgrade` on this lake once (it rewrites such files as DECIMAL(12,2)), then run this again");
        }
        return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check the schema version of " + datasetFolder, e);
    }
  }
}
