package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.testing.Lake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every file of sample-data/bad through the real backfill (DirectRunner): the run succeeds and the
 * outcome is the one sample-data/bad/EXPECTED.csv documents (clean, rejected, duplicates and each
 * reason code). A bad file stands in for its dataset's file; the few references it needs (aisles,
 * departments, the first products and orders of the sample) come from sample-data/files.
 */
public class BadCorpusTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path BAD = Path.of("..", "sample-data", "bad");
  private static final Path SAMPLE = Path.of("..", "sample-data", "files");

  /** Source dataset name → the file name it is read as. */
  private static final Map<String, String> FILE_OF =
      Map.of(
          "orders", "orders.csv",
          "order_products", "order_products__prior.csv",
          "products", "products.csv",
          "product_prices", "product_prices.csv",
          "departments", "departments.csv",
          "aisles", "aisles.csv",
          "customers", "customers.jsonl",
          "clickstream", "clickstream.jsonl",
          "feedback", "feedback.jsonl");

  @Test
  public void everyBadFileEndsAsDocumented() throws Exception {
    List<String> failures = new ArrayList<>();
    List<String> lines = Files.readAllLines(BAD.resolve("EXPECTED.csv"));
    int checked = 0;
    int files = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", 7);
      String file = f[0];
      String dataset = f[1];
      if (dataset.startsWith("kinesis:")) {
        continue; // stream events: StreamBadCorpusTest
      }
      files++;
      Path input = tmp.newFolder(file).toPath();
      context(dataset, input);
      String target = FILE_OF.get(dataset) + (file.endsWith(".gz") ? ".gz" : "");
      Files.copy(BAD.resolve(file), input.resolve(target));
      Path lake = tmp.newFolder(file + "-lake").toPath();
      // The corpus documents what the reader makes of each file; that a file without records is
      // an error by default is PublishGuardTest's.
      BackfillTest.run(
          "backfill",
          "--profile=direct",
          "--input=" + input,
          "--lake=" + lake.toUri(),
          "--allowEmptyFiles",
          "--maxRejectRatio=1");
      JsonNode counts = manifest(lake).get("counts").get(dataset);
      Map<String, Integer> reasons = new TreeMap<>();
      for (GenericRecord r : Lake.read(lake.resolve("clean/_rejected"))) {
        if (r.get("source_ref").toString().startsWith(target + ":")) {
          reasons.merge(r.get("reason_code").toString(), 1, Integer::sum);
        }
      }
      long clean = counts.get("clean").asLong();
      String cleanGot = String.valueOf(clean);
      if (f[2].contains("..")) {
        String[] range = f[2].split("\\.\\.");
        cleanGot =
            clean >= Long.parseLong(range[0]) && clean <= Long.parseLong(range[1])
                ? f[2]
                : String.valueOf(clean);
      }
      long inManifest = 0;
      for (JsonNode byReason : manifest(lake).get("rejects_by_reason")) {
        for (JsonNode n : byReason) {
          inManifest += n.asLong();
        }
      }
      if (inManifest > 0) {
        // The rejects table of 'query' shows the same rejects, each under the dataset folder it was
        // written to.
        Map<String, Integer> all = new TreeMap<>();
        for (GenericRecord r : Lake.read(lake.resolve("clean/_rejected"))) {
          all.merge(r.get("dataset") + "/" + r.get("reason_code"), 1, Integer::sum);
        }
        String shown =
            BackfillTest.run(
                "query",
                "--lake=" + lake.toUri(),
                "--format=csv",
                "SELECT dataset_partition || '/' || reason_code, count(*) FROM clean_rejects GROUP BY 1 ORDER BY 1");
        String want =
            all.entrySet().stream()
                .map(e -> e.getKey() + "," + e.getValue() + "\r\n")
                .reduce("", String::concat);
        if (!shown.endsWith(want) || shown.lines().count() != all.size() + 1) {
          failures.add(file + ": query shows the rejects as " + shown + ", the zone holds " + all);
        }
      }
      if (inManifest != Lake.read(lake.resolve("clean/_rejected")).size()) {
        failures.add(
            file
                + ": the manifest counts "
                + inManifest
                + " rejects by reason, the zone holds "
                + Lake.read(lake.resolve("clean/_rejected")).size());
      }
      String got =
          cleanGot
              + ","
              + counts.get("rejected").asLong()
              + ","
              + counts.get("duplicates").asLong()
              + ","
              + String.join(
                  ";",
                  reasons.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
      String want = f[2] + "," + f[3] + "," + f[4] + "," + f[5];
      if (!got.equals(want)) {
        failures.add(file + ": expected " + want + " got " + got);
      }
      checked++;
    }
    assertEquals(String.join("\n", failures), List.of(), failures);
    assertEquals(files, checked);
    assertThat("files of the batch datasets", checked, greaterThanOrEqualTo(40));
  }

  /** The sample files a bad file of this dataset needs for its references. */
  private static void context(String dataset, Path input) throws Exception {
    switch (dataset) {
      case "products":
        copy("departments.csv", input, -1);
        copy("aisles.csv", input, -1);
        break;
      case "product_prices":
      case "order_products":
        copy("departments.csv", input, -1);
        copy("aisles.csv", input, -1);
        copy("products.csv", input, 10);
        if (dataset.equals("order_products")) {
          copy("orders.csv", input, 10);
        }
        break;
      default:
        break;
    }
  }

  private static void copy(String name, Path input, int dataLines) throws Exception {
    List<String> all = Files.readAllLines(SAMPLE.resolve(name));
    Files.write(input.resolve(name), dataLines < 0 ? all : all.subList(0, dataLines + 1));
  }

  private static JsonNode manifest(Path lake) throws Exception {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      return new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
  }
}
