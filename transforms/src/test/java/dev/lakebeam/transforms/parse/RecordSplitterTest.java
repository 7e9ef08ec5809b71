package dev.lakebeam.transforms.parse;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.RejectReason;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.Test;

public class RecordSplitterTest {
  private final List<String> records = new ArrayList<>();
  private final List<String> rejects = new ArrayList<>();

  private RecordSplitter split(boolean csv, int max, byte[] bytes) throws Exception {
    return split(csv, max, new ByteArrayInputStream(bytes));
  }

  private RecordSplitter split(boolean csv, int max, InputStream in) throws Exception {
    RecordSplitter s = new RecordSplitter(csv, max);
    s.split(
        in,
        new RecordSplitter.Listener() {
          @Override
          public void record(long line, String text) {
            records.add(line + "|" + text);
          }

          @Override
          public void reject(long line, RejectReason reason, String message, byte[] payload) {
            rejects.add(line + "|" + reason);
          }
        });
    return s;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  public void csvRecordsMaySpanLinesInsideQuotes() throws Exception {
    split(true, 1000, utf8("a,b\n1,\"x, y\nz\"\n2,\"say \"\"hi\"\"\"\n"));
    assertEquals(List.of("1|a,b", "2|1,\"x, y\nz\"", "4|2,\"say \"\"hi\"\"\""), records);
    assertEquals(List.of(), rejects);
  }

  @Test
  public void bomAndCrlfAreAcceptedAndBlankLinesSkipped() throws Exception {
    byte[] body = utf8("a,b\r\n1,2\r\n\r\n3,4");
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(body, 0, withBom, 3, body.length);
    split(true, 1000, withBom);
    assertEquals(List.of("1|a,b", "2|1,2", "4|3,4"), records);
  }

  @Test
  public void anUnterminatedQuoteCostsItsOwnLineAndTheNextWholeRecordResynchronises()
      throws Exception {
    split(true, 1000, utf8("a,b\n1,2\n3,\"open\n4,5\n"));
    assertEquals(List.of("1|a,b", "2|1,2", "4|4,5"), records);
    assertEquals(List.of("3|UNTERMINATED_QUOTE"), rejects);
  }

  @Test
  public void aQuoteInsideAnUnquotedFieldIsTextAndCostsNoOtherRecord() throws Exception {
    // two inch marks: each record is framed alone (the field parser rejects it), the rest are read
    split(
        true,
        1000,
        utf8("id,name,n\n1,TV 12\",3\n2,plain,4\n3,Pan 8\" wide,5\n4,\"Big\" TV,6\n5,end,7\n"));
    assertEquals(
        List.of(
            "1|id,name,n",
            "2|1,TV 12\",3",
            "3|2,plain,4",
            "4|3,Pan 8\" wide,5",
            "5|4,\"Big\" TV,6",
            "6|5,end,7"),
        records);
    assertEquals(List.of(), rejects);
  }

  @Test
  public void anOpenQuoteResynchronisesAtTheNextWholeRecordAndTheLinesBetweenAreFramedAgain()
      throws Exception {
    split(true, 1000, utf8("a,b,c\n1,\"x,2\n2,y\n3,z,9\n4,\"multi\nline\",8\n"));
    assertEquals(List.of("1|a,b,c", "3|2,y", "4|3,z,9", "5|4,\"multi\nline\",8"), records);
    assertEquals(List.of("2|UNTERMINATED_QUOTE"), rejects);
  }

  @Test
  public void aValidQuotedFieldSpanningLinesStaysOneRecordEvenWhenALineInsideLooksLikeARecord()
      throws Exception {
    split(
        true, 1000, utf8("id,name,note\n1,bob,\"first line\n12,alice,x\nlast line\"\n2,carol,y\n"));
    assertEquals(
        List.of("1|id,name,note", "2|1,bob,\"first line\n12,alice,x\nlast line\"", "5|2,carol,y"),
        records);
    assertEquals(List.of(), rejects);
  }

  @Test
  public void aStrayQuoteBeforeAQuotedFieldCostsOnlyItsOwnLine() throws Exception {
    split(true, 1000, utf8("id,name,price\n1,\"6 inch,2\n2,\"Foo, Bar\",3\n"));
    assertEquals(List.of("1|id,name,price", "3|2,\"Foo, Bar\",3"), records);
    assertEquals(List.of("2|UNTERMINATED_QUOTE"), rejects);
  }

  @Test
  public void linesThatEachOpenAQuoteAreEachFramedOnce() throws Exception {
    StringBuilder b = new StringBuilder("h1,h2\n");
    for (int i = 0; i < 20_000; i++) {
      b.append("a\",\"b\n"); // each line opens a quote of its own and keeps the one before open
    }
    RecordSplitter s = split(true, 1 << 20, utf8(b.toString()));
    assertEquals(20_001, records.size() + rejects.size());
    assertEquals(20_001, s.physicalLines());
  }

  @Test
  public void aBomSplitAcrossShortReadsIsStillSkipped() throws Exception {
    byte[] bytes = "\uFEFForder_id,x\n1,2\n".getBytes(StandardCharsets.UTF_8);
    split(true, 1000, trickle(bytes, 2));
    assertEquals(List.of("1|order_id,x", "2|1,2"), records);
  }

  @Test
  public void aHeaderBeyondAsciiCountsItsFieldsByTheirBytes() {
    // U+0422 and U+042C end in the bytes of '"' and ','; counted as chars they would change the
    // count
    assertEquals(3, RecordSplitter.Quotes.fieldsOf("id,\u0422\u0438\u043f\u042c,name"));
  }

  @Test
  public void aQuoteOpenAtTheEndRejectsItsLineAloneAndFramesTheRestAgain() throws Exception {
    split(true, 1000, utf8("a,b,c\n1,2,3\n2,\"open,3\nnot,whole\n"));
    assertEquals(List.of("1|a,b,c", "2|1,2,3", "4|not,whole"), records);
    assertEquals(List.of("3|UNTERMINATED_QUOTE"), rejects);
  }

  @Test
  public void loneCarriageReturnsEndLinesAndPhysicalLinesAreCounted() throws Exception {
    RecordSplitter s = split(true, 1000, utf8("a,b\r1,2\r\r3,\"x\ry\"\r\n  \n4,5"));
    assertEquals(List.of("1|a,b", "2|1,2", "4|3,\"x\ry\"", "7|4,5"), records);
    assertEquals(7, s.physicalLines());
    assertEquals(2, s.blankLines());
  }

  @Test
  public void everyPhysicalLineIsARecordsFirstLineAContinuationOrBlankWhateverTheBytes()
      throws Exception {
    byte[] alphabet = "ab1,,\"\"\n\n\r \t".getBytes(StandardCharsets.UTF_8);
    Random r = new Random(42);
    for (int run = 0; run < 2000; run++) {
      byte[] bytes = randomBytes(r, alphabet, 200);
      records.clear();
      rejects.clear();
      RecordSplitter s = split(true, 1 + r.nextInt(100), bytes);
      long framed = records.size() + rejects.size();
      long lines;
      try (BufferedReader br =
          new BufferedReader(
              new InputStreamReader(
                  new ByteArrayInputStream(bytes), StandardCharsets.ISO_8859_1))) {
        lines = br.lines().count();
      }
      String what =
          "run "
              + run
              + ": "
              + new String(bytes, StandardCharsets.ISO_8859_1)
                  .replace("\n", "\\n")
                  .replace("\r", "\\r");
      assertEquals(what, lines, s.physicalLines());
      assertEquals(what, lines, s.blankLines() + framed + s.continuationLines());
    }
  }

  /** Everything a split reports, boundaries included, as text to compare. */
  private static List<String> trace(boolean csv, int max, InputStream in) throws IOException {
    List<String> t = new ArrayList<>();
    RecordSplitter s = new RecordSplitter(csv, max);
    s.split(
        in,
        new RecordSplitter.Listener() {
          @Override
          public void record(long line, String text) {
            t.add("record " + line + "|" + text);
          }

          @Override
          public void reject(long line, RejectReason reason, String message, byte[] payload) {
            t.add("reject " + line + "|" + reason + "|" + new String(payload, ISO_8859_1));
          }

          @Override
          public void boundary(long offset, long nextLine) {
            t.add("boundary " + offset + " " + nextLine);
          }
        });
    t.add("lines " + s.physicalLines() + " " + s.blankLines() + " " + s.continuationLines());
    return t;
  }

  /**
   * What a split of JSON lines must report, worked out line by line: each line is a record, blank,
   * too large or NUL-bearing, and a boundary follows it at the offset past its break.
   */
  private static List<String> jsonLinesOracle(byte[] b, int max) {
    List<String> t = new ArrayList<>();
    long lineNo = 1;
    long blank = 0;
    int start = 0;
    while (start < b.length) {
      int end = start;
      while (end < b.length && b[end] != '\n' && b[end] != '\r') {
        end++;
      }
      int next = end == b.length ? end : end + 1;
      if (end < b.length && b[end] == '\r' && next < b.length && b[next] == '\n') {
        next++;
      }
      String text = new String(b, start, end - start, ISO_8859_1);
      if (text.length() > max) {
        t.add("reject " + lineNo + "|RECORD_TOO_LARGE|" + text.substring(0, max));
      } else if (text.chars().allMatch(c -> c == ' ' || c == '\t')) {
        blank++;
      } else if (text.indexOf('\0') >= 0) {
        t.add("reject " + lineNo + "|INVALID_ENCODING|" + text);
      } else {
        t.add("record " + lineNo + "|" + text);
      }
      lineNo++;
      t.add("boundary " + next + " " + lineNo);
      start = next;
    }
    t.add("lines " + (lineNo - 1) + " " + blank + " 0");
    return t;
  }

  @Test
  public void jsonLinesAreFramedAsALineByLineReadingSaysWhateverTheReadSizes() throws Exception {
    byte[] alphabet = "ab{}\0\n\n\r\r \t".getBytes(ISO_8859_1);
    Random r = new Random(3);
    for (int run = 0; run < 3000; run++) {
      byte[] bytes = randomBytes(r, alphabet, 300);
      int max = 1 + r.nextInt(40);
      int most = 1 + r.nextInt(12);
      assertEquals(
          "run " + run, jsonLinesOracle(bytes, max), trace(false, max, trickle(bytes, most)));
    }
  }

  @Test
  public void aLineOfExactlyTheLimitIsKeptAndOneByteMoreIsRejectedAtEveryReadSize()
      throws Exception {
    byte[] bytes = "12345\n123456\r\n12345\r123456".getBytes(ISO_8859_1);
    List<String> expected =
        List.of(
            "record 1|12345",
            "boundary 6 2",
            "reject 2|RECORD_TOO_LARGE|12345",
            "boundary 14 3",
            "record 3|12345",
            "boundary 20 4",
            "reject 4|RECORD_TOO_LARGE|12345",
            "boundary 26 5",
            "lines 4 0 0");
    for (int most = 1; most <= bytes.length; most++) {
      assertEquals("reads of " + most, expected, trace(false, 5, trickle(bytes, most)));
    }
  }

  @Test
  public void recordsRejectsAndBoundariesDoNotDependOnHowTheStreamIsRead() throws Exception {
    // lines are cut by a scan of each chunk read; a line, a CRLF or an oversized line may span
    // reads of any size
    byte[] alphabet = "ab1,,\"\"\n\n\r\r \t".getBytes(ISO_8859_1);
    Random r = new Random(7);
    for (int run = 0; run < 3000; run++) {
      byte[] bytes = randomBytes(r, alphabet, 300);
      boolean csv = r.nextBoolean();
      int max = 1 + r.nextInt(60);
      int most = 1 + r.nextInt(6);
      List<String> whole = trace(csv, max, new ByteArrayInputStream(bytes));
      List<String> trickled = trace(csv, max, trickle(bytes, most));
      assertEquals("run " + run, whole, trickled);
      long breaks = 0;
      for (int i = 0; i < bytes.length; i++) {
        breaks +=
            bytes[i] == '\n'
                    || (bytes[i] == '\r' && (i + 1 == bytes.length || bytes[i + 1] != '\n'))
                ? 1
                : 0;
      }
      long last =
          bytes.length > 0 && bytes[bytes.length - 1] != '\n' && bytes[bytes.length - 1] != '\r'
              ? 1
              : 0;
      assertEquals(
          "run " + run,
          "lines " + (breaks + last),
          whole.get(whole.size() - 1).replaceAll(" \\d+ \\d+$", ""));
    }
  }

  @Test
  public void oversizedBadlyEncodedAndNulRecordsAreRejectedAndReadingGoesOn() throws Exception {
    byte[] bad = {'x', (byte) 0xC3, '(', '\n', 'n', 0, 'l', '\n'};
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(utf8("{\"a\":1}\n" + "y".repeat(50) + "\n"));
    b.write(bad);
    b.write(utf8("{\"a\":2}\n"));
    split(false, 20, b.toByteArray());
    assertEquals(List.of("1|{\"a\":1}", "5|{\"a\":2}"), records);
    assertEquals(
        List.of("2|RECORD_TOO_LARGE", "3|INVALID_ENCODING", "4|INVALID_ENCODING"), rejects);
  }

  @Test
  public void multiByteUtf8RecordsDecodeBesideAsciiOnesAndAMidRecordNulIsStillRejected()
      throws Exception {
    split(
        true,
        1000,
        utf8(
            "name\nCr\u00e8me br\u00fbl\u00e9e\nplain\n\u65e5\u672c\u8336 \uD83C\uDF75\nab\u0000c\n\u00e9\u0000\n"));
    assertEquals(
        List.of(
            "1|name",
            "2|Cr\u00e8me br\u00fbl\u00e9e",
            "3|plain",
            "4|\u65e5\u672c\u8336 \uD83C\uDF75"),
        records);
    assertEquals(List.of("5|INVALID_ENCODING", "6|INVALID_ENCODING"), rejects);
  }

  @Test
  public void aTruncatedGzipStreamKeepsWhatCameBeforeTheDamage() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      for (int i = 0; i < 5000; i++) {
        out.write(utf8("line-" + i + "," + (i * 7919 % 1000003) + "\n"));
      }
    }
    byte[] cut = Arrays.copyOf(gz.toByteArray(), gz.size() / 2);
    split(true, 1000, new GZIPInputStream(new ByteArrayInputStream(cut), 512));
    assertEquals(List.of(rejects.get(0).replaceAll("^\\d+", "N")), List.of("N|GZIP_CORRUPT"));
    assertEquals(1, rejects.size());
    for (int i = 0; i < records.size(); i++) {
      assertEquals((i + 1) + "|line-" + i + "," + (i * 7919 % 1000003), records.get(i));
    }
    assertEquals(true, records.size() > 1000);
  }

  @Test
  public void csvFieldsFollowRfc4180() throws Exception {
    assertEquals(
        List.of("1", "a, b", "", "say \"x\""), CsvFields.split("1,\"a, b\",,\"say \"\"x\"\"\""));
    assertEquals(List.of("", ""), CsvFields.split(","));
  }

  @Test(expected = CsvFields.MalformedCsv.class)
  public void textAfterAClosingQuoteIsMalformed() throws Exception {
    CsvFields.split("\"a\"b,c");
  }

  /** The bytes as a stream that hands out at most {@code most} of them per read. */
  private static InputStream trickle(byte[] bytes, int most) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, most));
      }
    };
  }

  /** Up to {@code bound - 1} bytes drawn from {@code alphabet}. */
  private static byte[] randomBytes(Random r, byte[] alphabet, int bound) {
    byte[] bytes = new byte[r.nextInt(bound)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = alphabet[r.nextInt(alphabet.length)];
    }
    return bytes;
  }
}
