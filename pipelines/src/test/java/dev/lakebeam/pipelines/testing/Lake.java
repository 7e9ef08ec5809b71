package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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

  /** Every record of one Parquet file. */
  public static List<GenericRecord> readFile(Path p) throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    {
      try (ParquetReader<GenericRecord> r =
          AvroParquetReader.<GenericRecord>builder(
                  HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(p.toUri()), new Configuration()))
              .build()) {
        for (GenericRecord g = r.read(); g != null; g = r.read()) {
          out.add(g);
        }
      }
    }
    return out;
  }

  public static List<Path> parquetFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(folder)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
    }
  }
}
