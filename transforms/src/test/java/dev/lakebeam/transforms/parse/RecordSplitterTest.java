package dev.lakebeam.transforms.parse;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.schemas.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.Test;

public class RecordSplitterTest {
  private final List<String> records = new ArrayList<>();
  private final List<String> rejects = new ArrayList<>();

  private void split(boolean csv, int max, byte[] bytes) throws Exception {
    split(csv, max, new ByteArrayInputStream(bytes));
  }

  private void split(boolean csv, int max, java.io.InputStream in) throws Exception {
    new RecordSplitter(csv, max)
        .split(in, new RecordSplitter.Listener() {
          @Override
          public void record(long line, String text) {
            records.add(line + "|" + text);
          }

          @Override
          public void reject(long line, RejectReason reason, String message, byte[] payload) {
            rejects.add(line + "|" + reason);
          }
        });
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
  public void anUnterminatedQuoteRejectsTheRestOfTheFile() throws Exception {
    split(true, 1000, utf8("a,b\n1,2\n3,\"open\n4,5\n"));
    assertEquals(List.of("1|a,b", "2|1,2"), records);
    assertEquals(List.of("3|UNTERMINATED_QUOTE"), rejects);
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
    assertEquals(List.of("2|RECORD_TOO_LARGE", "3|INVALID_ENCODING", "4|INVALID_ENCODING"), rejects);
  }

  @Test
  public void multiByteUtf8RecordsDecodeBesideAsciiOnesAndAMidRecordNulIsStillRejected() throws Exception {
    split(true, 1000, utf8("name\nCr\u00e8me br\u00fbl\u00e9e\nplain\n\u65e5\u672c\u8336 \uD83C\uDF75\nab\u0000c\n\u00e9\u0000\n"));
    assertEquals(List.of("1|name", "2|Cr\u00e8me br\u00fbl\u00e9e", "3|plain", "4|\u65e5\u672c\u8336 \uD83C\uDF75"), records);
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
    assertEquals(List.of("1", "a, b", "", "say \"x\""), CsvFields.split("1,\"a, b\",,\"say \"\"x\"\"\""));
    assertEquals(List.of("", ""), CsvFields.split(","));
  }

  @Test(expected = CsvFields.MalformedCsv.class)
  public void textAfterAClosingQuoteIsMalformed() throws Exception {
    CsvFields.split("\"a\"b,c");
  }
}
