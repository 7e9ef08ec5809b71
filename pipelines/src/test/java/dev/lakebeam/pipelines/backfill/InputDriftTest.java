package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.pipelines.testing.Lake;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.generic.GenericRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Input as users hand it over: renamed and extra columns, names in other cases and extensions,
 * stray files, stray quotes, lone-CR line ends, the Kaggle files alone. Each either reads every
 * physical record or is refused by name before anything is published.
 */
public class InputDriftTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SAMPLE = Path.of("..", "sample-data", "files");

  private Path input(String... files) throws IOException {
    Path input = tmp.newFolder().toPath();
    for (String f : files) {
      Files.copy(SAMPLE.resolve(f), input.resolve(f));
    }
    return input;
  }

  private static BackfillRuns.Outcome backfill(Path input, Path lake) {
    return BackfillRuns.run(
        "backfill",
        "--profile=direct",
        "--input=" + input,
        "--lake=" + lake.toUri(),
        "--zones=raw,clean",
        "--progressSeconds=0");
  }

  private static JsonNode manifest(Path lake) throws IOException {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      return new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
  }

  /**
   * Lines as Java's reader counts them (LF, CRLF or a lone CR each end one): independent of the
   * splitter.
   */
  private static long physicalLines(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      return r.lines().count();
    }
  }

  @Test
  public void aRenamedColumnFailsTheRunNamingItAndTheLakeIsUntouched() throws Exception {
    Path input = input("departments.csv", "aisles.csv", "products.csv");
    String prices = Files.readString(SAMPLE.resolve("product_prices.csv"));
    Files.writeString(
        input.resolve("product_prices.csv"), prices.replaceFirst("unit_price", "price_usd"));
    Path lake = tmp.newFolder("lake").toPath();
    BackfillRuns.Outcome r = backfill(input, lake);
    assertEquals(r.output(), 1, r.code());
    assertThat(
        r.output(),
        containsString(
            "product_prices.csv: the header has no column unit_price (it has product_id, price_usd;"));
    assertFalse("nothing written", Files.exists(lake.resolve("clean")));
    assertFalse("no stack trace", r.output().contains("\tat "));
    // the same header after blank lines: the reader would take it as the header, so it is checked
    // too
    Files.writeString(
        input.resolve("product_prices.csv"),
        "\n  \r\n" + prices.replaceFirst("unit_price", "price_usd"));
    BackfillRuns.Outcome blankFirst = backfill(input, lake);
    assertEquals(blankFirst.output(), 1, blankFirst.code());
    assertThat(blankFirst.output(), containsString("the header has no column unit_price"));
  }

  @Test
  public void extraColumnsWarnAndOtherCasesAndExtensionsAreReadAndStrayFilesAreListed()
      throws Exception {
    Path input = input("departments.csv", "aisles.csv", "products.csv");
    List<String> lines = Files.readAllLines(SAMPLE.resolve("departments.csv"));
    Files.delete(input.resolve("departments.csv"));
    StringBuilder withExtra = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      withExtra.append(lines.get(i)).append(i == 0 ? ",manager" : ",someone").append('\n');
    }
    Files.writeString(input.resolve("Departments.CSV"), withExtra);
    List<String> clicks = Files.readAllLines(SAMPLE.resolve("clickstream.jsonl")).subList(0, 300);
    Files.write(input.resolve("Clickstream.jsonl"), clicks);
    Files.copy(SAMPLE.resolve("feedback.jsonl"), input.resolve("feedback.json"));
    try (OutputStream gz =
        new GZIPOutputStream(Files.newOutputStream(input.resolve("Customers.JSONL.GZ")))) {
      gz.write(Files.readAllBytes(SAMPLE.resolve("customers.jsonl")));
    }
    Files.writeString(input.resolve("notes.txt"), "not data\n");
    Files.writeString(input.resolve("orders.parquet"), "PAR1");
    Path lake = tmp.newFolder("lake").toPath();
    BackfillRuns.Outcome r = backfill(input, lake);
    assertEquals(r.output(), 0, r.code());
    assertThat(
        r.output(),
        containsString(
            "Departments.CSV: column(s) manager are not part of departments and are ignored"));
    assertThat(
        r.output(),
        containsString(
            "2 file(s) under --input match no dataset and are not read: notes.txt, orders.parquet"));
    JsonNode counts = manifest(lake).get("counts");
    assertEquals(21, counts.get("departments").get("clean").asLong());
    assertEquals(clicks.size(), counts.get("clickstream").get("in").asLong());
    assertEquals(
        Files.readAllLines(SAMPLE.resolve("feedback.jsonl")).size(),
        counts.get("feedback").get("in").asLong());
    assertEquals(
        Files.readAllLines(SAMPLE.resolve("customers.jsonl")).size(),
        counts.get("customers").get("clean").asLong());
  }

  @Test
  public void strayInchMarksCostTheirOwnRecordsAndEveryPhysicalLineIsCounted() throws Exception {
    Path input = input("departments.csv", "aisles.csv");
    List<String> products = Files.readAllLines(SAMPLE.resolve("products.csv"));
    int plain = 0;
    for (int i = 1; i < products.size() && plain < 2; i++) {
      if (!products.get(i).contains("\"")
          && i + 1 < products.size()
          && !products.get(i + 1).contains("\"")) {
        String[] f = products.get(i).split(",");
        // an unquoted inch mark, and a quote that opens a field and never closes
        f[1] = plain == 0 ? f[1] + " 12\"" : "\"" + f[1] + " 8 in";
        products.set(i, String.join(",", f));
        plain++;
      }
    }
    Path file = input.resolve("products.csv");
    Files.write(file, products);
    Path lake = tmp.newFolder("lake").toPath();
    BackfillRuns.Outcome r = backfill(input, lake);
    assertEquals(r.output(), 0, r.code());
    JsonNode m = manifest(lake);
    JsonNode c = m.get("counts").get("products");
    long lines = physicalLines(file);
    assertEquals(products.size(), lines);
    assertEquals("every record but the header is in", lines - 1, c.get("in").asLong());
    assertEquals(lines, c.get("lines").asLong());
    assertEquals(2, c.get("rejected").asLong());
    assertEquals(lines - 3, c.get("clean").asLong());
    JsonNode in = m.get("inputs");
    for (JsonNode f : in) {
      if (f.get("path").asText().endsWith("/products.csv")) {
        assertEquals(lines, f.get("lines").asLong());
        assertEquals(0, f.get("blank_lines").asLong());
      }
    }
    List<String> reasons =
        Lake.read(lake.resolve("clean/_rejected")).stream()
            .map(g -> g.get("reason_code").toString())
            .sorted()
            .toList();
    assertEquals(List.of("UNTERMINATED_QUOTE", "UNTERMINATED_QUOTE"), reasons);
    assertThat(
        r.output(),
        containsString(
            String.format(
                "  %-16s %10s %,10d", "products", String.format("%,d", lines), lines - 1)));
  }

  @Test
  public void loneCarriageReturnsAreLineEnds() throws Exception {
    Path input = tmp.newFolder().toPath();
    Path file = input.resolve("departments.csv");
    Files.writeString(
        file,
        Files.readString(SAMPLE.resolve("departments.csv"))
            .replace("\r\n", "\n")
            .replace('\n', '\r'));
    Path lake = tmp.newFolder("lake").toPath();
    BackfillRuns.Outcome r = backfill(input, lake);
    assertEquals(r.output(), 0, r.code());
    JsonNode c = manifest(lake).get("counts").get("departments");
    assertEquals(21, c.get("clean").asLong());
    assertEquals(0, c.get("rejected").asLong());
    assertEquals(physicalLines(file), c.get("lines").asLong());
  }

  @Test
  public void theKaggleFilesAloneAreAWholeInput() throws Exception {
    Path input = input("departments.csv", "aisles.csv", "products.csv");
    // the first 300 orders and their lines: the Kaggle layout, at a size the DirectRunner reads
    // quickly
    List<String> orders = Files.readAllLines(SAMPLE.resolve("orders.csv")).subList(0, 301);
    Files.write(input.resolve("orders.csv"), orders);
    Set<String> ids =
        orders.stream()
            .skip(1)
            .map(l -> l.substring(0, l.indexOf(',')))
            .collect(Collectors.toSet());
    for (String f : List.of("order_products__prior.csv", "order_products__train.csv")) {
      List<String> lines = Files.readAllLines(SAMPLE.resolve(f));
      List<String> kept = new ArrayList<>(List.of(lines.get(0)));
      lines.stream()
          .skip(1)
          .filter(l -> ids.contains(l.substring(0, l.indexOf(','))))
          .forEach(kept::add);
      Files.write(input.resolve(f), kept);
    }
    Path lake = tmp.newFolder("lake").toPath();
    BackfillRuns.Outcome r = backfill(input, lake);
    assertEquals(r.output(), 0, r.code());
    assertThat(r.output(), not(containsString("WARNING: 1")));
    JsonNode counts = manifest(lake).get("counts");
    assertEquals(
        counts.get("orders").get("in").asLong(), counts.get("orders").get("clean").asLong());
    List<GenericRecord> clean = Lake.read(lake.resolve("clean/orders"));
    assertEquals(300, clean.size());
    assertEquals(
        counts.get("order_products").get("in").asLong(),
        counts.get("order_products").get("clean").asLong());
  }
}
