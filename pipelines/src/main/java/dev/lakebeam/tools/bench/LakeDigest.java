package dev.lakebeam.tools.bench;

import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.transforms.io.ParquetFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * Digests the Parquet datasets of a local zone folder, so that two runs (before and after a change
 * to the batch path) can be compared: per dataset, the row count and an order-free sum and xor of a
 * 64-bit hash of each row (its partition folder and every column but the run's own times).
 *
 * <p>{@code java -cp lakebeam.jar dev.lakebeam.tools.bench.LakeDigest /path/to/lake/clean}
 */
public final class LakeDigest {
  /** Columns that differ between two runs of the same data. */
  static final Set<String> RUN_COLUMNS = Set.of("_ingested_at", "rejected_at");

  private LakeDigest() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: LakeDigest ZONE_FOLDER");
      System.exit(2);
    }
    digest(Paths.get(args[0]))
        .forEach(
            (k, v) ->
                System.out.printf(
                    Locale.ROOT, "%-40s rows %,12d sum %016x xor %016x%n", k, v[0], v[1], v[2]));
  }

  /**
   * Per dataset folder ({@code _rejected/<dataset>} for rejects): rows, sum and xor of row hashes.
   */
  static TreeMap<String, long[]> digest(Path zone) throws IOException {
    TreeMap<String, long[]> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(zone)) {
      files =
          s.filter(p -> p.toString().endsWith(".parquet") && !p.toString().contains("/."))
              .sorted()
              .toList();
    }
    for (Path f : files) {
      Path rel = zone.relativize(f);
      String dataset = rel.getName(0).toString();
      if (dataset.equals("_rejected") && rel.getNameCount() > 1) {
        dataset = "_rejected/" + rel.getName(1);
      }
      String folder =
          rel.getParent() == null
              ? ""
              : rel.getParent()
                  .toString()
                  .replaceAll(Partitioning.INGEST_DATE + "=[0-9-]+", Partitioning.ingestDate("*"));
      long[] acc = out.computeIfAbsent(dataset, k -> new long[3]);
      ParquetFiles.forEachInFile(
          f.toAbsolutePath().toString(),
          g -> {
            StringBuilder row = new StringBuilder(folder);
            for (Schema.Field field : g.getSchema().getFields()) {
              if (!RUN_COLUMNS.contains(field.name())) {
                row.append('|').append(field.name()).append('=').append(g.get(field.name()));
              }
            }
            long h = hash(row);
            acc[0]++;
            acc[1] += h;
            acc[2] ^= h * 0x9E3779B97F4A7C15L;
          });
    }
    return out;
  }

  /** A 64-bit hash of the text, mixed (the sum and xor need well-spread bits). */
  static long hash(CharSequence s) {
    long h = 1125899906842597L;
    for (int i = 0; i < s.length(); i++) {
      h = 31 * h + s.charAt(i);
    }
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 32);
  }
}
