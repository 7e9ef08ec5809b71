package dev.lakebeam.pipelines.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.lake.LocalTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/** Reads a lake folder back with an independent reader (parquet-avro), for assertions. */
public final class Lake {
  private Lake() {}

  /** Every record of every .parquet file under a folder (none if it does not exist). */
  public static List<GenericRecord> read(Path folder) throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    for (Path p : parquetFiles(folder)) {
      out.addAll(readFile(p));
    }
    return out;
  }

  /** Records whose money columns ({@code DECIMAL(12,2)}) read as BigDecimals, not their bytes. */
  private static final GenericData DECIMALS = new GenericData();

  static {
    DECIMALS.addLogicalTypeConversion(new Conversions.DecimalConversion());
  }

  /** Every record of one Parquet file (money as BigDecimals). */
  public static List<GenericRecord> readFile(Path p) throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    {
      try (ParquetReader<GenericRecord> r =
          AvroParquetReader.<GenericRecord>builder(
                  HadoopInputFile.fromPath(
                      new org.apache.hadoop.fs.Path(p.toUri()), new Configuration()))
              .withDataModel(DECIMALS)
              .build()) {
        for (GenericRecord g = r.read(); g != null; g = r.read()) {
          out.add(g);
        }
      }
    }
    return out;
  }

  /**
   * The .parquet files under a folder, with folders and files whose names start with "." (a
   * writer's temporary folder such as Beam's .temp-beam) skipped, as readers skip them; a temporary
   * folder that vanishes while the walk runs (a running stream finalizing a window) is no error.
   * Folders starting with "_" (the rejects) are included: the PII scans must see them.
   */
  public static List<Path> parquetFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    Files.walkFileTree(
        folder,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return !dir.equals(folder) && hidden(dir)
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (!hidden(file) && file.getFileName().toString().endsWith(".parquet")) {
              out.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    out.sort(null);
    return out;
  }

  private static boolean hidden(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith(".");
  }

  /**
   * Columns that name a record's source or its run: equal data from two runs differs only in them.
   */
  public static final Set<String> RUN_COLUMNS = Set.of("_source", "_source_ref", "_ingested_at");

  /** Every record under a folder as "name=value;..." without the given columns, sorted. */
  public static List<String> rows(Path folder, Set<String> without) throws IOException {
    List<String> out = new ArrayList<>();
    for (GenericRecord r : read(folder)) {
      StringBuilder sb = new StringBuilder();
      for (Schema.Field f : r.getSchema().getFields()) {
        if (!without.contains(f.name())) {
          sb.append(f.name()).append('=').append(r.get(f.name())).append(';');
        }
      }
      out.add(sb.toString());
    }
    out.sort(null);
    return out;
  }

  /** Copies a folder tree (a dataset of one lake into another). */
  public static void copy(Path from, Path to) throws IOException {
    LocalTrees.copy(from, to);
  }

  /**
   * Writes a generated set's orders events, sorted by order_ts, to {out}/kinesis/orders.jsonl (the
   * input of a replay in event-time order); returns the lines.
   */
  public static List<String> ordersInEventTimeOrder(Path generated, Path out) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> orders =
        new ArrayList<>(
            Files.readAllLines(generated.resolve("kinesis").resolve("orders.jsonl")).stream()
                .filter(l -> !l.isBlank())
                .toList());
    orders.sort(
        Comparator.comparing(
            l -> {
              try {
                return json.readTree(l).get("order_ts").asText();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }));
    Files.createDirectories(out.resolve("kinesis"));
    Files.write(out.resolve("kinesis").resolve("orders.jsonl"), orders);
    return orders;
  }
}
