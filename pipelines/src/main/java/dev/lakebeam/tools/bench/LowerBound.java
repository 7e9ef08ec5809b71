package dev.lakebeam.tools.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * The bench's lower bound: the clean stage's work for order lines without Beam, in one pass on one
 * thread: read the order_products CSV files, parse and validate each line (four integers, positive
 * ids, reordered 0 or 1), and write the valid ones to one Snappy Parquet file. No pseudonymization
 * (order lines carry no PII), no shuffle. Prints "lines valid invalid bytes".
 */
public final class LowerBound {
  static final Schema SCHEMA =
      SchemaBuilder.record("order_line")
          .namespace("dev.lakebeam.bench")
          .fields()
          .requiredInt("order_id")
          .requiredInt("product_id")
          .requiredInt("add_to_cart_order")
          .requiredInt("reordered")
          .requiredInt("quantity")
          .endRecord();

  private LowerBound() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: LowerBound FILES_DIR OUT_FILE.parquet");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Files.deleteIfExists(out);
    long lines = 0;
    long invalid = 0;
    try (ParquetWriter<GenericRecord> w =
        AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(
                    new org.apache.hadoop.fs.Path(out.toUri()), new Configuration()))
            .withSchema(SCHEMA)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .build()) {
      for (String name : List.of("order_products__prior.csv", "order_products__train.csv")) {
        Path f = in.resolve(name);
        if (!Files.exists(f)) {
          continue;
        }
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          r.readLine(); // header
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            lines++;
            GenericRecord g = parse(line);
            if (g == null) {
              invalid++;
            } else {
              w.write(g);
            }
          }
        }
      }
    }
    System.out.println(lines + " " + (lines - invalid) + " " + invalid + " " + Files.size(out));
  }

  static GenericRecord parse(String line) {
    String[] f = line.split(",", -1);
    if (f.length != 4) {
      return null;
    }
    try {
      int order = Integer.parseInt(f[0].trim());
      int product = Integer.parseInt(f[1].trim());
      int position = Integer.parseInt(f[2].trim());
      int reordered = Integer.parseInt(f[3].trim());
      if (order < 1 || product < 1 || position < 1 || (reordered != 0 && reordered != 1)) {
        return null;
      }
      GenericRecord g = new GenericData.Record(SCHEMA);
      g.put("order_id", order);
      g.put("product_id", product);
      g.put("add_to_cart_order", position);
      g.put("reordered", reordered);
      g.put("quantity", 1);
      return g;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
