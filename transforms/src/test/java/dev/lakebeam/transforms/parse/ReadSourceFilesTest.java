package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.RecordCheck;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBlock;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Assert;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A file read in many ranges by several workers yields exactly the records of a whole read. */
public class ReadSourceFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aLargeCsvReadInRangesGivesEveryRecordOnceWithItsWholeFileReference()
      throws Exception {
    StringBuilder csv = new StringBuilder("order_id,product_id,add_to_cart_order,reordered\n");
    for (int i = 1; i <= 2_000; i++) {
      csv.append(i)
          .append(',')
          .append(i % 97)
          .append(',')
          .append(i % 5 == 0 ? "\"1\n\"" : "1")
          .append(",0\n");
      if (i % 250 == 0) {
        csv.append("\"unterminated on purpose? no: closed\",x,y,z\n");
      }
    }
    byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
    Path dir = tmp.newFolder("files").toPath();
    Files.write(dir.resolve("order_products__prior.csv"), bytes);
    try (OutputStream gz =
        new GZIPOutputStream(Files.newOutputStream(dir.resolve("order_products__train.csv.gz")))) {
      gz.write(bytes); // compressed: one range, whatever its size
    }
    List<String> expected = new ArrayList<>();
    for (String name : List.of("order_products__prior.csv", "order_products__train.csv.gz")) {
      String[] header = {null};
      new RecordSplitter(true, 1 << 20)
          .split(
              new ByteArrayInputStream(bytes),
              new RecordSplitter.Listener() {
                @Override
                public void record(long line, String text) {
                  if (header[0] == null) {
                    header[0] = text;
                  } else {
                    expected.add(name + ":" + line + "|" + header[0] + "|" + text);
                  }
                }

                @Override
                public void reject(long line, RejectReason reason, String message, byte[] payload) {
                  throw new AssertionError("no rejects in this file: " + reason);
                }
              });
    }

    ReadSourceFiles read =
        ReadSourceFiles.of(SourceDataset.ORDER_LINES, dir.toString(), 1 << 20).withRangeBytes(512);
    PCollectionTuple out = p.apply(read);
    PAssert.that(
            out.get(ReadSourceFiles.RAW)
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("source_ref")
                                    + "|"
                                    + r.getString("header")
                                    + "|"
                                    + r.getString("payload"))))
        .containsInAnyOrder(expected);
    PAssert.that(out.get(Rejects.TAG)).empty();
    p.run().waitUntilFinish();
  }

  @Test
  public void parsingWhileReadingGivesWhatParsingTheWholeFileGives() throws Exception {
    StringBuilder csv = new StringBuilder("order_id,product_id,add_to_cart_order,reordered\n");
    for (int i = 1; i <= 1_000; i++) {
      csv.append(i)
          .append(',')
          .append(i % 97)
          .append(',')
          .append(i % 7 == 0 ? "x" : "1")
          .append(i % 11 == 0 ? ",0,9\n" : ",0\n");
    }
    Path dir = tmp.newFolder("parse").toPath();
    Files.writeString(dir.resolve("order_products__prior.csv"), csv);
    // Expected: the whole file split and parsed outside any pipeline.
    List<String> parsed = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    ParseRecords.Parser parser =
        new ParseRecords.Parser(SourceDataset.ORDER_LINES, SourceDataset.Format.CSV);
    ParseRecords.Results results =
        new ParseRecords.Results() {
          @Override
          public void parsed(Row envelope) {
            parsed.add(envelope.toString());
          }

          @Override
          public void rejected(Row reject) {
            rejected.add(reject.getString("reason_code") + " " + reject.getString("source_ref"));
          }
        };
    String[] header = {null};
    new RecordSplitter(true, 1 << 20)
        .split(
            new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)),
            new RecordSplitter.Listener() {
              @Override
              public void record(long line, String text) {
                if (header[0] == null) {
                  header[0] = text;
                } else {
                  parser.parse(
                      "files", "order_products__prior.csv:" + line, header[0], text, results);
                }
              }

              @Override
              public void reject(long line, RejectReason reason, String message, byte[] payload) {
                throw new AssertionError(reason);
              }
            });

    PCollectionTuple out =
        p.apply(
            ReadSourceFiles.of(SourceDataset.ORDER_LINES, dir.toString(), 1 << 20)
                .withRangeBytes(256)
                .parsed());
    PAssert.that(
            out.get(ParseRecords.PARSED)
                .apply("parsed", MapElements.into(TypeDescriptors.strings()).via(Row::toString)))
        .containsInAnyOrder(parsed);
    PAssert.that(
            out.get(Rejects.TAG)
                .apply(
                    "rejected",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Row r) ->
                                r.getString("reason_code") + " " + r.getString("source_ref"))))
        .containsInAnyOrder(rejected);
    p.run().waitUntilFinish();
    Assert.assertEquals(
        1_000 - 142 - 91 + 13, parsed.size()); // every 7th: bad int; every 11th: a column too many
  }

  /**
   * Read into buckets of order_id, every parsed line comes once, in a block of its own order's
   * bucket; parse rejects (a missing order id, a bad number) stay rejects.
   */
  @Test
  public void linesReadIntoBucketsComeOnceEachInTheirOrdersBucket() throws Exception {
    StringBuilder csv = new StringBuilder("order_id,product_id,add_to_cart_order,reordered\n");
    List<String> expected = new ArrayList<>();
    List<String> rejected = new ArrayList<>(List.of("12,not-a-number,1,0"));
    int buckets = 7;
    for (int i = 1; i <= 3_000; i++) {
      String line = (i % 500 == 0 ? "" : Integer.toString(i / 3)) + "," + (i % 97) + ",1,0";
      csv.append(line).append('\n');
      if (i % 500 == 0) {
        rejected.add(line);
      } else {
        expected.add(GroupInBlocks.bucket(i / 3, buckets) + " " + (i / 3) + "/" + (i % 97));
      }
    }
    csv.append("12,not-a-number,1,0\n");
    Path dir = tmp.newFolder("lines").toPath();
    Files.write(
        dir.resolve("order_products__prior.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));

    PCollectionTuple out =
        p.apply(
            ReadSourceFiles.of(SourceDataset.ORDER_LINES, dir.toString(), 1 << 20)
                .withRangeBytes(1024)
                .parsedInBuckets("order_id", buckets));
    Schema env = Envelope.schema(SourceDataset.ORDER_LINES.parseSchema());
    PAssert.that(
            out.get(ReadSourceFiles.BUCKETS)
                .apply(
                    FlatMapElements.into(TypeDescriptors.strings())
                        .via(
                            (KV<Integer, RowBlock> kv) -> {
                              List<String> rows = new ArrayList<>();
                              for (Row r : kv.getValue().rows(RowCoder.of(env))) {
                                Row rec = r.getRow("record");
                                rows.add(
                                    kv.getKey()
                                        + " "
                                        + rec.getInt32("order_id")
                                        + "/"
                                        + rec.getInt32("product_id"));
                              }
                              return rows;
                            })))
        .containsInAnyOrder(expected);
    assertRejectedLines(out, rejected);
    p.run().waitUntilFinish();
  }

  /** A reader of order lines written to a new folder, checked against a product limit of 40. */
  private ReadSourceFiles checkedRead(String folder, StringBuilder csv) throws Exception {
    Path dir = tmp.newFolder(folder).toPath();
    Files.write(
        dir.resolve("order_products__prior.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    PCollectionView<Integer> limit = p.apply("limit", Create.of(40)).apply(View.asSingleton());
    return ReadSourceFiles.of(SourceDataset.ORDER_LINES, dir.toString(), 1 << 20)
        .withRangeBytes(2048)
        .parsedInBuckets("order_id", 5)
        .checkedBy(new ProductLimit(limit));
  }

  /** The reader's rejects carry exactly these raw lines. */
  private static void assertRejectedLines(PCollectionTuple out, List<String> lines) {
    PAssert.that(
            out.get(Rejects.TAG)
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via((Row r) -> r.getString("payload"))))
        .containsInAnyOrder(lines);
  }

  /** Rejects products above a limit that comes as a side input. */
  static final class ProductLimit implements RecordCheck {
    private final PCollectionView<Integer> limit;

    ProductLimit(PCollectionView<Integer> limit) {
      this.limit = limit;
    }

    @Override
    public List<PCollectionView<?>> sideInputs() {
      return List.of(limit);
    }

    @Override
    public void startBundle() {}

    @Override
    public boolean valid(
        Row env, BoundedWindow w, DoFn<?, ?>.ProcessContext c, DoFn.MultiOutputReceiver out) {
      if (env.getRow("record").getInt32("product_id") <= c.sideInput(limit)) {
        return true;
      }
      out.get(Rejects.TAG)
          .output(
              Rejects.of(
                  "order_lines",
                  RejectReason.UNKNOWN_REFERENCE,
                  "over the limit",
                  env.getString("source_ref"),
                  env.getString("payload"),
                  Instant.now()));
      return false;
    }
  }

  /**
   * A check with a side input runs in the reader: failing lines are rejects, the rest are packed.
   */
  @Test
  public void aCheckedReadPacksOnlyTheLinesThatPass() throws Exception {
    StringBuilder csv = new StringBuilder("order_id,product_id,add_to_cart_order,reordered\n");
    List<String> kept = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (int i = 1; i <= 2_000; i++) {
      String line = (i / 4) + "," + (i % 50) + ",1,0";
      csv.append(line).append('\n');
      (i % 50 <= 40 ? kept : rejected).add(i % 50 <= 40 ? (i / 4) + "/" + (i % 50) : line);
    }
    PCollectionTuple out = p.apply(checkedRead("checked", csv));
    Schema env = Envelope.schema(SourceDataset.ORDER_LINES.parseSchema());
    PAssert.that(
            out.get(ReadSourceFiles.BUCKETS)
                .apply(
                    FlatMapElements.into(TypeDescriptors.strings())
                        .via(
                            (KV<Integer, RowBlock> kv) -> {
                              List<String> rows = new ArrayList<>();
                              for (Row r : kv.getValue().rows(RowCoder.of(env))) {
                                rows.add(
                                    r.getRow("record").getInt32("order_id")
                                        + "/"
                                        + r.getRow("record").getInt32("product_id"));
                              }
                              return rows;
                            })))
        .containsInAnyOrder(kept);
    assertRejectedLines(out, rejected);
    p.run().waitUntilFinish();
  }

  /**
   * Without payload: the packed envelopes carry no raw line (their ref stays) and refuse to hand
   * one to a dead letter, while the reader's own rejects keep theirs.
   */
  @Test
  public void envelopesPackedWithoutPayloadKeepTheirRefAndRejectsKeepTheirLine() throws Exception {
    StringBuilder csv = new StringBuilder("order_id,product_id,add_to_cart_order,reordered\n");
    List<String> kept = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (int i = 1; i <= 1_000; i++) {
      String line = (i / 4) + "," + (i % 50) + ",1,0";
      csv.append(line).append('\n');
      if (i % 50 <= 40) {
        kept.add((i / 4) + "/" + (i % 50) + " order_products__prior.csv:" + (i + 1) + " dropped");
      } else {
        rejected.add(line);
      }
    }
    PCollectionTuple out = p.apply(checkedRead("unloaded", csv).withoutPayload());
    Schema env = Envelope.schema(SourceDataset.ORDER_LINES.parseSchema());
    PAssert.that(
            out.get(ReadSourceFiles.BUCKETS)
                .apply(
                    FlatMapElements.into(TypeDescriptors.strings())
                        .via(
                            (KV<Integer, RowBlock> kv) -> {
                              List<String> rows = new ArrayList<>();
                              for (Row r : kv.getValue().rows(RowCoder.of(env))) {
                                boolean refused;
                                try {
                                  Envelope.payload(r);
                                  refused = false;
                                } catch (IllegalStateException e) {
                                  refused = true;
                                }
                                rows.add(
                                    r.getRow("record").getInt32("order_id")
                                        + "/"
                                        + r.getRow("record").getInt32("product_id")
                                        + " "
                                        + Envelope.sourceRef(r)
                                        + (refused && r.getString("payload").isEmpty()
                                            ? " dropped"
                                            : " kept"));
                              }
                              return rows;
                            })))
        .containsInAnyOrder(kept);
    assertRejectedLines(out, rejected);
    p.run().waitUntilFinish();
    IllegalStateException unbucketed =
        Assert.assertThrows(
            IllegalStateException.class,
            () -> ReadSourceFiles.of(SourceDataset.ORDER_LINES, "/x", 1 << 20).withoutPayload());
    Assert.assertTrue(unbucketed.getMessage(), unbucketed.getMessage().contains("bucketed"));
  }

  @Test
  public void bucketsNeedAnIntFieldOfTheRecord() {
    ReadSourceFiles read = ReadSourceFiles.of(SourceDataset.ORDER_LINES, "/nowhere", 1 << 20);
    IllegalArgumentException e =
        Assert.assertThrows(
            IllegalArgumentException.class, () -> read.parsedInBuckets("order_ts", 4));
    Assert.assertTrue(e.getMessage(), e.getMessage().contains("order_ts"));
    Assert.assertThrows(IllegalArgumentException.class, () -> read.parsedInBuckets("order_id", 0));
  }
}
