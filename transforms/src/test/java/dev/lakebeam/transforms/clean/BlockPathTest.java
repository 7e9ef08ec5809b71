package dev.lakebeam.transforms.clean;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.ReadSourceFiles;
import dev.lakebeam.transforms.records.Envelope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.WithTimestamps;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The batch path on blocks ({@link BucketJoin}) against the per-record path on the same records:
 * the same input in one wide fixed window takes the per-record groupings and the CoGroupByKey join,
 * in the global window the blocks. Duplicates with and without {@code updated_at}, lines of unknown
 * orders and products, a duplicated order: clean rows and rejects must be the same.
 */
public class BlockPathTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Tokenizer TOKENS =
      new Tokenizer("unit-test-key-0123456789".getBytes(StandardCharsets.UTF_8));
  private static final Instant RUN = new DateTime(2025, 7, 1, 0, 0, DateTimeZone.UTC).toInstant();

  private final Map<SourceDataset, List<Row>> input = new EnumMap<>(SourceDataset.class);
  private int ref = 1;
  private List<Row> linesKept = List.of();

  private void add(SourceDataset d, Object... values) {
    Schema s = d.parseSchema();
    Row rec = Row.withSchema(s).addValues(values).build();
    input
        .computeIfAbsent(d, k -> new ArrayList<>())
        .add(
            Envelope.wrap(
                Envelope.schema(s),
                rec,
                d.sourceName(),
                "files",
                d.sourceName() + ":" + (++ref),
                "payload-" + ref));
  }

  private void data() {
    Random r = new Random(20261204L);
    add(SourceDataset.DEPARTMENTS, 1, "produce");
    add(SourceDataset.AISLES, 1, "fruit");
    for (int product = 1; product <= 40; product++) {
      add(SourceDataset.PRODUCTS, product, "p" + product, 1, 1, null);
    }
    for (int order = 1; order <= 300; order++) {
      int user = 1 + order % 37;
      add(
          SourceDataset.ORDERS,
          order,
          user,
          order % 5 == 0 ? "train" : "prior",
          1 + order / 37,
          order % 7,
          order % 24,
          order < 37 ? null : 1 + order % 20,
          null,
          null);
      if (order % 50 == 0) { // the same order twice
        add(
            SourceDataset.ORDERS,
            order,
            user,
            "prior",
            1 + order / 37,
            order % 7,
            order % 24,
            order < 37 ? null : 1 + order % 20,
            null,
            null);
      }
    }
    for (int i = 0; i < 3000; i++) {
      int order = 1 + r.nextInt(320); // 301..320 are not among the orders
      int product = 1 + r.nextInt(45); // 41..45 are not among the products
      Instant updated =
          r.nextInt(4) == 0 ? new Instant(1_700_000_000_000L + r.nextInt(1000) * 1000L) : null;
      add(
          SourceDataset.ORDER_LINES,
          order,
          product,
          1 + r.nextInt(20),
          r.nextInt(2),
          1 + r.nextInt(3),
          updated);
    }
  }

  private PCollection<String> cleanAndRejects(String name, boolean windowed) {
    Map<SourceDataset, PCollection<Row>> in = new EnumMap<>(SourceDataset.class);
    // Every dataset is given (empty ones too), so that all are in the same windows.
    for (SourceDataset d : SourceDataset.values()) {
      List<Row> rows = input.getOrDefault(d, List.of());
      Schema schema = Envelope.schema(d.parseSchema());
      PCollection<Row> c =
          rows.isEmpty()
              ? p.apply(name + " in " + d.sourceName(), Create.empty(RowCoder.of(schema)))
                  .setRowSchema(schema)
              : p.apply(name + " in " + d.sourceName(), Create.of(rows).withRowSchema(schema));
      if (windowed) {
        c =
            c.apply(name + " stamp " + d.sourceName(), WithTimestamps.of((Row r) -> RUN))
                .apply(
                    name + " window " + d.sourceName(),
                    Window.<Row>into(FixedWindows.of(Duration.standardDays(10_000))));
      }
      in.put(d, c);
    }
    CleanConfig cfg =
        new CleanConfig(RUN, 3_600_000L, TOKENS, LocalDate.parse("2025-06-30"), null, null);
    CleanRecords.Output out =
        Pipeline.applyTransform(
            name, CleanRecords.Input.of(p, in), CleanRecords.with(cfg).withBuckets(7));
    // The comparison means something only if the two runs took different paths.
    if (windowed) {
      assertNull("the windowed run takes the per-record path", out.blocks(Dataset.ORDER_LINES));
    } else {
      assertNotNull("the global run takes the block path", out.blocks(Dataset.ORDER_LINES));
    }
    List<PCollection<String>> parts = new ArrayList<>();
    for (Dataset d : List.of(Dataset.ORDERS, Dataset.ORDER_LINES, Dataset.PRODUCTS)) {
      parts.add(
          out.clean(d)
              .apply(
                  name + " text " + d.datasetName(),
                  MapElements.into(TypeDescriptors.strings())
                      .via((Row row) -> d.datasetName() + " " + row.getValues())));
    }
    parts.add(
        out.rejects()
            .apply(
                name + " text rejects",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row row) ->
                            "reject "
                                + row.getString("dataset")
                                + " "
                                + row.getString("reason_code")
                                + " "
                                + row.getString("payload"))));
    List<PCollection<String>> global = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      global.add(
          parts.get(i).apply(name + " global " + i, Window.<String>into(new GlobalWindows())));
    }
    return PCollectionList.of(global)
        .apply(name + " all", Flatten.pCollections())
        .apply(
            name + " tagged",
            MapElements.into(TypeDescriptors.strings()).via((String s) -> name + "|" + s));
  }

  /** Rows per dataset and reason. */
  private static Map<String, Integer> kinds(Map<String, Integer> rows) {
    Map<String, Integer> k = new TreeMap<>();
    rows.forEach(
        (row, n) -> {
          String[] w = row.split(" ");
          k.merge(w[0].equals("reject") ? w[0] + " " + w[1] + " " + w[2] : w[0], n, Integer::sum);
        });
    return k;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new TreeSet<>(a);
    u.addAll(b);
    return u;
  }

  @Test
  public void aBucketHoldsAQuarterMebibyteOfLinesUpToTheCap() {
    assertEquals(CleanRecords.DEFAULT_BUCKETS, CleanRecords.bucketsFor(0));
    assertEquals(CleanRecords.DEFAULT_BUCKETS, CleanRecords.bucketsFor(1L << 20));
    // the full Instacart scale's 539,624,000 bytes of order lines
    assertEquals(2059, CleanRecords.bucketsFor(539_624_000L));
    assertEquals(CleanRecords.MAX_BUCKETS, CleanRecords.bucketsFor(8L << 30));
  }

  @Test
  public void blocksGiveTheSameRowsAndRejectsAsThePerRecordPath() {
    data();
    PCollection<String> both =
        PCollectionList.of(cleanAndRejects("blocks", false))
            .and(cleanAndRejects("records", true))
            .apply("both", Flatten.pCollections());
    PAssert.that(both)
        .satisfies(
            all -> {
              Map<String, Integer> blocks = new TreeMap<>();
              Map<String, Integer> records = new TreeMap<>();
              for (String s : all) {
                String body = s.substring(s.indexOf('|') + 1);
                (s.startsWith("blocks|") ? blocks : records).merge(body, 1, Integer::sum);
              }
              List<String> differ = new ArrayList<>();
              for (String k : new TreeSet<>(union(blocks.keySet(), records.keySet()))) {
                if (!Objects.equals(blocks.get(k), records.get(k)) && differ.size() < 10) {
                  differ.add(k + ": blocks " + blocks.get(k) + ", per record " + records.get(k));
                }
              }
              assertEquals("kinds of rows", kinds(records), kinds(blocks));
              assertEquals("rows that differ (first 10)", List.of(), differ);
              long lines =
                  blocks.keySet().stream().filter(k -> k.startsWith("order_lines ")).count();
              long unknownOrder =
                  blocks.keySet().stream()
                      .filter(k -> k.startsWith("reject order_lines UNKNOWN_REFERENCE"))
                      .count();
              assertTrue("clean lines: " + lines, lines > 1000);
              assertTrue(
                  "lines of unknown orders and products: " + unknownOrder, unknownOrder > 100);
              assertEquals(
                  300, blocks.keySet().stream().filter(k -> k.startsWith("orders ")).count());
              return null;
            });
    p.run();
  }

  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  /**
   * The clean stage's lines and line rejects, without lineage (a file's references differ from
   * rows').
   */
  private PCollection<String> lineOutcomes(String name, CleanRecords.Input in) {
    CleanConfig cfg =
        new CleanConfig(RUN, 3_600_000L, TOKENS, LocalDate.parse("2025-06-30"), null, null);
    CleanRecords.Output out =
        Pipeline.applyTransform(name, in, CleanRecords.with(cfg).withBuckets(7));
    PCollection<String> lines =
        out.clean(Dataset.ORDER_LINES)
            .apply(
                name + " lines",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            name
                                + "|line "
                                + r.getInt32("order_id")
                                + "/"
                                + r.getInt32("product_id")
                                + " q"
                                + r.getInt32("quantity")
                                + " c"
                                + r.getInt32("add_to_cart_order")
                                + " u"
                                + r.getDateTime("updated_at")
                                + " t"
                                + r.getDateTime("order_ts")));
    PCollection<String> rejects =
        out.rejects()
            .apply(
                name + " rejects",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            name
                                + "|reject "
                                + r.getString("dataset")
                                + " "
                                + r.getString("reason_code")));
    return PCollectionList.of(lines).and(rejects).apply(name + " both", Flatten.pCollections());
  }

  /**
   * Lines read from a file by the clean stage's own reader (validated as they are parsed, packed
   * per bucket) give the clean lines and rejects that the same lines given as rows give.
   */
  @Test
  public void linesReadFromAFileGiveWhatTheSameLinesGivenAsRowsGive() throws Exception {
    // two clean stages in one pipeline: their inner steps share names
    p.getOptions().setStableUniqueNames(PipelineOptions.CheckEnabled.OFF);
    data();
    List<Row> lines = input.remove(SourceDataset.ORDER_LINES);
    linesKept = lines;
    StringBuilder csv =
        new StringBuilder("order_id,product_id,add_to_cart_order,reordered,quantity,updated_at\n");
    for (Row env : lines) {
      Row r = env.getRow("record");
      csv.append(r.getInt32("order_id"))
          .append(',')
          .append(r.getInt32("product_id"))
          .append(',')
          .append(r.getInt32("add_to_cart_order"))
          .append(',')
          .append(r.getInt32("reordered"))
          .append(',')
          .append(r.getInt32("quantity"))
          .append(',')
          .append(
              r.getDateTime("updated_at") == null
                  ? ""
                  : java.time.Instant.ofEpochMilli(r.getDateTime("updated_at").getMillis()))
          .append('\n');
    }
    Path dir = tmp.newFolder("files").toPath();
    Files.writeString(dir.resolve("order_products__prior.csv"), csv);
    ReadSourceFiles reader =
        ReadSourceFiles.of(SourceDataset.ORDER_LINES, dir.toString(), 1 << 20).withRangeBytes(2048);

    Map<SourceDataset, PCollection<Row>> withoutLines = given("file", false);
    Map<SourceDataset, PCollection<Row>> withLines = given("rows", true);
    PCollection<String> all =
        PCollectionList.of(
                lineOutcomes("file", CleanRecords.Input.of(p, withoutLines).withReader(reader)))
            .and(lineOutcomes("rows", CleanRecords.Input.of(p, withLines)))
            .apply("all outcomes", Flatten.pCollections());
    PAssert.that(all)
        .satisfies(
            outcomes -> {
              Map<String, Integer> file = new TreeMap<>();
              Map<String, Integer> rows = new TreeMap<>();
              for (String o : outcomes) {
                (o.startsWith("file|") ? file : rows)
                    .merge(o.substring(o.indexOf('|') + 1), 1, Integer::sum);
              }
              assertEquals(rows, file);
              assertTrue(
                  "clean lines: " + rows.size(),
                  rows.keySet().stream().filter(k -> k.startsWith("line ")).count() > 1000);
              assertTrue(
                  "line rejects: " + rows,
                  rows.getOrDefault("reject order_lines UNKNOWN_REFERENCE", 0) > 100);
              return null;
            });
    p.run();
  }

  /** Data of every source dataset: the lines' set, with clicks, customers, feedback and prices. */
  private void everyDataset() {
    data();
    Random r = new Random(20261205L);
    for (int product = 1; product <= 40; product += 3) {
      add(SourceDataset.PRODUCT_PRICES, product, new java.math.BigDecimal("1.25"));
    }
    add(SourceDataset.PRODUCT_PRICES, 44, new java.math.BigDecimal("2.50")); // not a product
    for (int c = 1; c <= 30; c++) {
      Instant updated = new Instant(1_700_000_000_000L + c * 1000L);
      add(
          SourceDataset.CUSTOMERS,
          c,
          "N " + c,
          "c" + c + "@example.com",
          null,
          "US",
          "standard",
          updated);
      if (c % 7 == 0) { // a later version, and one with no @ (rejected)
        add(
            SourceDataset.CUSTOMERS,
            c,
            "N " + c,
            "new" + c + "@example.com",
            null,
            "US",
            "gold",
            updated.plus(5000));
        add(SourceDataset.CUSTOMERS, c, "N " + c, "broken", null, "US", "gold", updated);
      }
    }
    String[] types = {"page_view", "product_view", "add_to_cart", "teleport"};
    for (int i = 0; i < 2000; i++) {
      // event ids repeat (a redelivered event), some with other content: the first position wins
      String id = "e-" + r.nextInt(1500);
      Integer product = r.nextInt(3) == 0 ? null : 1 + r.nextInt(45);
      add(
          SourceDataset.CLICK_EVENTS,
          id,
          "s-" + r.nextInt(50),
          1 + r.nextInt(30),
          types[r.nextInt(types.length)],
          product,
          new Instant(1_700_000_000_000L + r.nextInt(100_000) * 1000L),
          "agent " + r.nextInt(3),
          "203.0.113." + r.nextInt(250));
    }
    for (int i = 0; i < 120; i++) {
      add(
          SourceDataset.FEEDBACK,
          "f-" + r.nextInt(100),
          1 + r.nextInt(9),
          r.nextInt(7),
          null,
          null,
          new Instant(1_700_000_000_000L + i * 60_000L));
    }
  }

  /** A record as a line of its dataset's files: CSV in its parse schema's order, or JSON. */
  private static String line(SourceDataset d, Row rec) {
    List<String> values = new ArrayList<>();
    for (Schema.Field f : rec.getSchema().getFields()) {
      Object v = rec.getValue(f.getName());
      String text =
          v == null
              ? null
              : v instanceof org.joda.time.ReadableInstant t
                  ? java.time.Instant.ofEpochMilli(t.getMillis()).toString()
                  : v instanceof java.math.BigDecimal b ? b.toPlainString() : v.toString();
      boolean quoted = v instanceof String || v instanceof org.joda.time.ReadableInstant;
      values.add(
          d.format() == SourceDataset.Format.CSV
              ? (text == null ? "" : text)
              : "\""
                  + f.getName()
                  + "\":"
                  + (text == null ? "null" : quoted ? "\"" + text + "\"" : text));
    }
    return d.format() == SourceDataset.Format.CSV
        ? String.join(",", values)
        : "{" + String.join(",", values) + "}";
  }

  /**
   * Every dataset read from its files by the clean stage's readers (checked as parsed, packed into
   * the buckets of the dedupe or the order join) gives the clean rows and rejects that the same
   * records given as rows give: the later version or the first position wins a key either way.
   */
  @Test
  public void everyDatasetReadFromFilesGivesWhatItsRowsGive() throws Exception {
    p.getOptions().setStableUniqueNames(PipelineOptions.CheckEnabled.OFF);
    everyDataset();
    CleanRecords.Input read = withReaders(CleanRecords.Input.of(p, Map.of()), input, "every");
    PCollection<String> all =
        PCollectionList.of(outcomes("file", read))
            .and(outcomes("rows", CleanRecords.Input.of(p, given("rows", false))))
            .apply("every outcome", Flatten.pCollections());
    PAssert.that(all)
        .satisfies(
            outcomes -> {
              Map<String, Map<String, Integer>> by = byRun(outcomes);
              Map<String, Integer> file = by.get("file");
              Map<String, Integer> rows = by.get("rows");
              assertEquals(kinds(rows), kinds(file));
              assertEquals(rows, file);
              Map<String, Integer> k = kinds(rows);
              for (SourceDataset d : SourceDataset.values()) {
                String clean = d.target().datasetName();
                assertTrue(clean + " rows: " + k, k.getOrDefault(clean, 0) > 0);
              }
              // duplicates were dropped, and bad records of each kind rejected
              assertTrue(k.toString(), k.get("click_events") < 1500);
              assertTrue(k.toString(), k.get("reject click_events UNKNOWN_REFERENCE") > 10);
              assertTrue(k.toString(), k.get("reject click_events OUT_OF_RANGE") > 10);
              assertTrue(k.toString(), k.get("reject customers OUT_OF_RANGE") > 0);
              assertTrue(k.toString(), k.get("reject feedback OUT_OF_RANGE") > 0);
              assertTrue(k.toString(), k.get("reject products UNKNOWN_REFERENCE") > 0);
              return null;
            });
    p.run();
  }

  /** Outcomes ("run|text") counted per run: each run's texts and how often each came. */
  private static Map<String, Map<String, Integer>> byRun(Iterable<String> outcomes) {
    Map<String, Map<String, Integer>> by = new TreeMap<>();
    for (String o : outcomes) {
      int bar = o.indexOf('|');
      by.computeIfAbsent(o.substring(0, bar), k -> new TreeMap<>())
          .merge(o.substring(bar + 1), 1, Integer::sum);
    }
    return by;
  }

  private static Map<String, Integer> startingWith(Map<String, Integer> rows, String prefix) {
    Map<String, Integer> out = new TreeMap<>();
    rows.forEach(
        (k, n) -> {
          if (k.startsWith(prefix)) {
            out.put(k, n);
          }
        });
    return out;
  }

  /** Readers of files holding these records, one file per dataset, added to the input. */
  private CleanRecords.Input withReaders(
      CleanRecords.Input in, Map<SourceDataset, List<Row>> records, String folder)
      throws Exception {
    Path dir = tmp.newFolder(folder).toPath();
    for (Map.Entry<SourceDataset, List<Row>> e : records.entrySet()) {
      SourceDataset d = e.getKey();
      StringBuilder text = new StringBuilder();
      if (d.format() == SourceDataset.Format.CSV) {
        text.append(String.join(",", d.knownFields())).append('\n');
      }
      for (Row env : e.getValue()) {
        text.append(line(d, env.getRow("record"))).append('\n');
      }
      String file = d == SourceDataset.ORDER_LINES ? "order_products__prior.csv" : d.filePattern();
      Files.writeString(dir.resolve(file), text);
      in.withReader(ReadSourceFiles.of(d, dir.toString(), 1 << 20).withRangeBytes(2048));
    }
    return in;
  }

  /**
   * Each dataset half in files, half given as rows (alternate records, so that versions of one key
   * fall on both sides): the reader's blocks and the rows' meet in the same buckets, so every key
   * keeps one version, and where {@code updated_at} decides (customers) the same one.
   */
  @Test
  public void aDatasetPartlyInFilesAndPartlyGivenAsRowsKeepsOneVersionPerKey() throws Exception {
    p.getOptions().setStableUniqueNames(PipelineOptions.CheckEnabled.OFF);
    everyDataset();
    Map<SourceDataset, List<Row>> inFiles = new EnumMap<>(SourceDataset.class);
    Map<SourceDataset, PCollection<Row>> asRows = new EnumMap<>(SourceDataset.class);
    for (Map.Entry<SourceDataset, List<Row>> e : input.entrySet()) {
      List<Row> file = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < e.getValue().size(); i++) {
        (i % 2 == 0 ? file : rows).add(e.getValue().get(i));
      }
      inFiles.put(e.getKey(), file);
      if (!rows.isEmpty()) {
        asRows.put(
            e.getKey(),
            p.apply(
                "split in " + e.getKey().sourceName(),
                Create.of(rows).withRowSchema(Envelope.schema(e.getKey().parseSchema()))));
      }
    }
    CleanRecords.Input both = withReaders(CleanRecords.Input.of(p, asRows), inFiles, "split");
    PCollection<String> all =
        PCollectionList.of(outcomes("split", both))
            .and(outcomes("rows", CleanRecords.Input.of(p, given("rows", false))))
            .apply("split and rows", Flatten.pCollections());
    PAssert.that(all)
        .satisfies(
            outcomes -> {
              Map<String, Map<String, Integer>> by = byRun(outcomes);
              Map<String, Integer> split = by.get("split");
              Map<String, Integer> rows = by.get("rows");
              // Without updated_at the first position wins, and a file's position and a row's
              // are not in one order: the counts must agree, the rows where updated_at decides.
              assertEquals(kinds(rows), kinds(split));
              for (String d : List.of("customers ", "products ", "aisles ", "departments ")) {
                assertEquals(d, startingWith(rows, d), startingWith(split, d));
              }
              assertTrue(kinds(rows).toString(), kinds(rows).get("click_events") < 1500);
              return null;
            });
    p.run();
  }

  /** Every clean dataset's rows without their source position, and the rejects' reasons. */
  private PCollection<String> outcomes(String name, CleanRecords.Input in) {
    CleanConfig cfg =
        new CleanConfig(RUN, 3_600_000L, TOKENS, LocalDate.parse("2025-06-30"), null, null);
    CleanRecords.Output out =
        Pipeline.applyTransform(name, in, CleanRecords.with(cfg).withBuckets(7));
    List<PCollection<String>> parts = new ArrayList<>();
    for (Map.Entry<Dataset, PCollection<Row>> e : out.clean().entrySet()) {
      String dataset = e.getKey().datasetName();
      parts.add(
          e.getValue()
              .apply(
                  name + " " + dataset,
                  MapElements.into(TypeDescriptors.strings())
                      .via(
                          (Row row) -> {
                            List<String> v = new ArrayList<>();
                            for (Schema.Field f : row.getSchema().getFields()) {
                              if (!f.getName().equals("_source_ref")) {
                                v.add(f.getName() + "=" + row.getValue(f.getName()));
                              }
                            }
                            return name + "|" + dataset + " " + v;
                          })));
    }
    parts.add(
        out.rejects()
            .apply(
                name + " rejects",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            name
                                + "|reject "
                                + r.getString("dataset")
                                + " "
                                + r.getString("reason_code")
                                + " "
                                + r.getString("message"))));
    return PCollectionList.of(parts).apply(name + " all", Flatten.pCollections());
  }

  /** Every source's rows in the global window, with or without the order lines. */
  private Map<SourceDataset, PCollection<Row>> given(String name, boolean withLines) {
    Map<SourceDataset, PCollection<Row>> in = new EnumMap<>(SourceDataset.class);
    for (SourceDataset d : SourceDataset.values()) {
      List<Row> rows =
          d == SourceDataset.ORDER_LINES && withLines
              ? linesKept
              : input.getOrDefault(d, List.of());
      if (rows.isEmpty()) {
        continue;
      }
      in.put(
          d,
          p.apply(
              name + " in " + d.sourceName(),
              Create.of(rows).withRowSchema(Envelope.schema(d.parseSchema()))));
    }
    return in;
  }
}
