package dev.lakebeam.transforms.parse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/** Reading a file range by range gives the records, line numbers and rejects of one whole read. */
public class FileRangesTest {
  private static final int MAX = 200;

  /** CSV with a BOM, CRLF, quoted commas and line breaks, blank lines and damaged records. */
  private static byte[] messyCsv(long seed, int records) {
    Random r = new Random(seed);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    b.writeBytes("order_id,product_id,note\r\n".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < records; i++) {
      String line =
          switch (r.nextInt(10)) {
            case 0 -> i + ",7,\"two\nlines, \"\"quoted\"\"\"";
            case 1 -> "";
            case 2 -> i + ",8,\"" + "x".repeat(MAX + 10) + "\"";
            case 3 -> i + ",9,a\u0000b";
            case 4 -> i + ",1,\"three\r\nline\nnote\"";
            default -> i + "," + r.nextInt(50_000) + ",plain";
          };
      b.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      if (r.nextInt(8) == 0) {
        b.write(0xC3); // a lone lead byte: not UTF-8
      }
      b.writeBytes((r.nextBoolean() ? "\r\n" : "\n").getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }

  private static List<String> read(byte[] bytes, boolean csv, FileRanges.Plan plan)
      throws Exception {
    List<String> out = new ArrayList<>();
    for (FileRanges.Range range : plan.ranges()) {
      ByteArrayInputStream in = new ByteArrayInputStream(bytes);
      in.skipNBytes(range.start());
      long limit = range.end() == Long.MAX_VALUE ? Long.MAX_VALUE : range.end() - range.start();
      if (range.start() > 0 && csv) {
        out.add("header|" + plan.header()); // what a later range is given instead of reading it
      }
      new RecordSplitter(csv, MAX)
          .withHeader(range.start() > 0 ? plan.header() : null)
          .split(
              in,
              range.firstLine(),
              limit,
              new RecordSplitter.Listener() {
                @Override
                public void record(long line, String text) {
                  out.add(line + "|" + text);
                }

                @Override
                public void reject(long line, RejectReason reason, String message, byte[] payload) {
                  out.add(
                      line + "|" + reason + "|" + new String(payload, StandardCharsets.ISO_8859_1));
                }
              });
    }
    return out;
  }

  private static List<String> withoutHeaders(List<String> records) {
    return records.stream().filter(s -> !s.startsWith("header|")).toList();
  }

  @Test
  public void csvRangesHoldEveryRecordOnceWithItsLineNumber() throws Exception {
    for (long seed = 1; seed <= 20; seed++) {
      byte[] csv = messyCsv(seed, 300);
      List<String> whole = read(csv, true, FileRanges.whole(csv.length));
      for (long target : new long[] {1, 7, 64, 500, 4096}) {
        FileRanges.Plan plan =
            FileRanges.plan(
                new ByteArrayInputStream(csv),
                csv.length,
                true,
                target,
                MAX,
                h -> h.startsWith("order_id"));
        assertTrue("seed " + seed + " target " + target + ": cut", plan.ranges().size() > 1);
        assertEquals("order_id,product_id,note", plan.header());
        List<String> ranged = read(csv, true, plan);
        assertEquals("seed " + seed + " target " + target, whole, withoutHeaders(ranged));
        for (int i = 1; i < plan.ranges().size(); i++) {
          assertEquals(plan.ranges().get(i - 1).end(), plan.ranges().get(i).start());
        }
      }
    }
  }

  @Test
  public void randomQuotesBreaksAndCommasReadTheSameRangeByRange() throws Exception {
    byte[] alphabet = "ab1,,\"\"\n\n\n\r \t".getBytes(StandardCharsets.UTF_8);
    Random r = new Random(11);
    for (int run = 0; run < 3000; run++) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes("h1,h2\n".getBytes(StandardCharsets.UTF_8));
      for (int i = r.nextInt(300); i > 0; i--) {
        b.write(alphabet[r.nextInt(alphabet.length)]);
      }
      byte[] bytes = b.toByteArray();
      FileRanges.Plan plan =
          FileRanges.plan(
              new ByteArrayInputStream(bytes),
              bytes.length,
              true,
              1 + r.nextInt(40),
              MAX,
              h -> true);
      assertEquals(
          "run " + run,
          read(bytes, true, FileRanges.whole(bytes.length)),
          withoutHeaders(read(bytes, true, plan)));
    }
  }

  @Test
  public void jsonLinesAreCutAtEveryNewline() throws Exception {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      s.append("{\"event_id\":\"e")
          .append(i)
          .append("\",\"note\":\"a \\\"quote")
          .append(i % 3 == 0 ? "\"" : "")
          .append("\"}\n");
    }
    byte[] json = s.toString().getBytes(StandardCharsets.UTF_8);
    FileRanges.Plan plan =
        FileRanges.plan(new ByteArrayInputStream(json), json.length, false, 1000, MAX, h -> false);
    assertTrue(plan.ranges().size() > 10);
    assertNull(plan.header());
    assertEquals(read(json, false, FileRanges.whole(json.length)), read(json, false, plan));
  }

  @Test
  public void aFileWithoutAnAcceptedHeaderStaysWhole() throws Exception {
    byte[] csv = messyCsv(3, 100);
    assertEquals(
        1,
        FileRanges.plan(new ByteArrayInputStream(csv), csv.length, true, 10, MAX, h -> false)
            .ranges()
            .size());
    byte[] blankFirst = ("\n" + "a,b\n1,2\n".repeat(50)).getBytes(StandardCharsets.UTF_8);
    assertEquals(
        1,
        FileRanges.plan(
                new ByteArrayInputStream(blankFirst), blankFirst.length, true, 10, MAX, h -> true)
            .ranges()
            .size());
  }

  @Test
  public void anUnterminatedQuoteIsRejectedOnceFromTheLastRange() throws Exception {
    byte[] csv =
        ("a,b\n" + "1,2\n".repeat(40) + "3,\"never closed\n4,5\n").getBytes(StandardCharsets.UTF_8);
    FileRanges.Plan plan =
        FileRanges.plan(new ByteArrayInputStream(csv), csv.length, true, 16, MAX, h -> true);
    assertTrue(plan.ranges().size() > 2);
    List<String> ranged = withoutHeaders(read(csv, true, plan));
    assertEquals(read(csv, true, FileRanges.whole(csv.length)), ranged);
    assertTrue(ranged.get(ranged.size() - 2).startsWith("42|" + RejectReason.UNTERMINATED_QUOTE));
    assertEquals("43|4,5", ranged.get(ranged.size() - 1));
  }
}
