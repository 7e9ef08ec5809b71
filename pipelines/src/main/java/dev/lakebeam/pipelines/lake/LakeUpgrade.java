package dev.lakebeam.pipelines.lake;

import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.io.ParquetFiles;
import dev.lakebeam.transforms.io.ParquetSink;
import dev.lakebeam.transforms.io.WrittenSchemas;
import dev.lakebeam.transforms.io.ZonePublisher;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.values.Row;

/**
 * Rewrites, in place, the lake's Parquet files that an older schema version wrote with a type
 * Athena cannot read under the newest DDL: money written as a double before it became {@code
 * DECIMAL(12,2)}. A backfill rewrites its datasets whole; the stream's partitions accumulate, so a
 * lake that a stream fed before the change holds both kinds until this runs.
 *
 * <p>Each such file is read, converted row by row to the newest version (doubles rounded half-up to
 * the cent, as every lakebeam reader does), written to {@code {zone}/_upgrade/}, outside every
 * dataset's folder (so no reader of a dataset can meet it, even after a crash), checked for its row
 * count, and renamed over the original: a reader sees the old file or the new one, never a partial
 * one. A run first removes what a crashed run left there. Clean rows' {@code _schema_version}
 * becomes the newest version, which they are now written with. A second run finds nothing to do.
 */
public final class LakeUpgrade {
  /** What one dataset held and what was rewritten. */
  public record Result(Dataset dataset, int files, int rewritten, long rows) {}

  private final Function<Zone, String> zoneFolder;
  private final boolean dryRun;
  private final PrintStream out;

  /**
   * @param zoneFolder a zone's folder as Beam's filesystems take it
   */
  public LakeUpgrade(Function<Zone, String> zoneFolder, boolean dryRun, PrintStream out) {
    this.zoneFolder = zoneFolder;
    this.dryRun = dryRun;
    this.out = out;
  }

  public List<Result> run() throws IOException {
    clearScratch();
    List<Result> results = new ArrayList<>();
    for (Dataset d : Dataset.values()) {
      String folder =
          zoneFolder.apply(d.zone())
              + "/"
              + (d == Dataset.REJECTS ? Dataset.REJECTED_DIR : d.datasetName())
              + "/";
      int files = 0;
      int rewritten = 0;
      long rows = 0;
      for (String rel : ZonePublisher.relativeFiles(folder)) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        if (!rel.endsWith(".parquet")
            || name.startsWith("_")
            || name.startsWith(".")
            || rel.contains(".temp-beam")) {
          continue;
        }
        files++;
        Schema written = WrittenSchemas.of(folder + rel);
        if (written == null || !WrittenSchemas.outdated(written, d.avroSchema())) {
          continue;
        }
        rewritten++;
        rows +=
            dryRun
                ? WrittenSchemas.rowCount(folder + rel)
                : rewrite(d, folder, rel, scratch(d.zone()));
      }
      results.add(new Result(d, files, rewritten, rows));
      if (rewritten > 0) {
        out.printf(
            Locale.ROOT,
            "upgrade: %s/%s: %s %,d of %,d files (%,d rows) to schema v%d%n",
            d.zone().dir(),
            d.datasetName(),
            dryRun ? "would rewrite" : "rewrote",
            rewritten,
            files,
            rows,
            LakeSchemas.versionOf(d.avroSchema()));
      }
    }
    clearScratch();
    return results;
  }

  /** Removes what a crashed run left in the scratch folders; a dry run touches nothing. */
  private void clearScratch() throws IOException {
    if (dryRun) {
      return;
    }
    for (Zone z : Zone.values()) {
      ZonePublisher.deleteAll(scratch(z));
    }
  }

  /** Where rewritten files are written before they replace the originals: no dataset's folder. */
  private String scratch(Zone z) {
    return zoneFolder.apply(z) + "/_upgrade/";
  }

  private static long rewrite(Dataset d, String folder, String rel, String scratch)
      throws IOException {
    String temp = scratch + d.datasetName() + "/" + rel;
    ResourceId tempId = FileSystems.matchNewResource(temp, false);
    ParquetSink<Row> sink = ParquetSink.rows(d.avroSchema(), d.uniqueColumns());
    AvroRows.ToRow toRow = new AvroRows.ToRow(d.beamSchema());
    // clean rows say which version they were written with: now the newest
    int version = LakeSchemas.versionOf(d.avroSchema());
    boolean stamped = d.beamSchema().hasField("_schema_version");
    long n;
    try (WritableByteChannel channel = FileSystems.create(tempId, "application/octet-stream")) {
      sink.open(channel);
      n =
          ParquetFiles.forEachInFile(
              folder + rel,
              g -> {
                try {
                  Row row = toRow.apply(g);
                  if (stamped) {
                    row = Row.fromRow(row).withFieldValue("_schema_version", version).build();
                  }
                  sink.write(row);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      sink.flush();
    } catch (IOException | RuntimeException e) {
      FileSystems.delete(List.of(tempId), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      throw new IOException("could not rewrite " + folder + rel + ": " + e.getMessage(), e);
    }
    long original = WrittenSchemas.rowCount(folder + rel);
    long back = WrittenSchemas.rowCount(temp);
    if (back != original || n != original) {
      FileSystems.delete(List.of(tempId));
      throw new IOException(
          "the rewrite of "
              + folder
              + rel
              + " holds "
              + back
              + " rows ("
              + n
              + " read), not the original's "
              + original
              + "; the file is left as it was");
    }
    FileSystems.rename(List.of(tempId), List.of(FileSystems.matchNewResource(folder + rel, false)));
    return n;
  }
}
