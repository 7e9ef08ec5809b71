package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.transforms.records.ByteArrayBuffer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * Frames a byte stream into records, never throwing on bad input: CSV records per RFC 4180 (a field
 * that starts with a quote may hold commas, doubled quotes and line breaks), or one JSON document
 * per line. Lines end with LF, CRLF or a lone CR. Handles a UTF-8 BOM, checks each record is valid
 * UTF-8 without NUL characters and within the size limit, and turns a truncated or corrupt gzip
 * stream into one reject that holds what was read of the damaged record.
 *
 * <p>A stray quote costs at most its own record. A quote inside an unquoted field is text (the
 * field parser rejects that record alone). A quote that opens a field and leaves it open at the
 * line's end makes a record of several lines only if, once the quote closes, the lines make one
 * well-formed record with the header's number of fields, within {@link #MAX_RECORD_LINES} lines and
 * the size limit. Otherwise the quote was stray: its line is rejected as {@code UNTERMINATED_QUOTE}
 * and the lines after it are framed again, each as if read anew. Work is linear in the input (each
 * line is framed at most {@link #MAX_RECORD_LINES} times) and memory is bounded by the size limit.
 */
public final class RecordSplitter {
  /** Receives what the splitter finds; line numbers are 1-based, of the record's first line. */
  public interface Listener {
    void record(long line, String text);

    void reject(long line, RejectReason reason, String message, byte[] payload);

    /**
     * Called where a record or a blank line has ended and no record is open: the stream offset just
     * past it, and the number of the line that follows (a range may start there).
     */
    default void boundary(long offset, long nextLine) {}
  }

  private final boolean csv;
  private final int maxRecordBytes;
  private final boolean framingOnly;
  private boolean emitted;
  private int expectedFields;
  private long physicalLines;
  private long blankLines;
  private long continuationLines;

  public RecordSplitter(boolean csv, int maxRecordBytes) {
    this(csv, maxRecordBytes, -1, false);
  }

  private RecordSplitter(boolean csv, int maxRecordBytes, int expectedFields, boolean framingOnly) {
    this.csv = csv;
    this.maxRecordBytes = maxRecordBytes;
    this.expectedFields = expectedFields;
    this.framingOnly = framingOnly;
  }

  /**
   * Frames without checking or decoding records after the first (for {@link FileRanges}'
   * boundaries).
   */
  RecordSplitter framingOnly() {
    return new RecordSplitter(csv, maxRecordBytes, expectedFields, true);
  }

  /**
   * For a range after a CSV file's first: the file's header line, whose number of fields tells a
   * whole record when a quote is left open. At line 1 the first record sets it.
   */
  public RecordSplitter withHeader(String header) {
    return new RecordSplitter(
        csv, maxRecordBytes, header == null ? -1 : Quotes.fieldsOf(header), framingOnly);
  }

  /** Physical lines of the last {@link #split}: line ends, plus a last line without one. */
  public long physicalLines() {
    return physicalLines;
  }

  /** Lines of the last {@link #split} that held only blanks outside any record. */
  public long blankLines() {
    return blankLines;
  }

  /**
   * Lines of the last {@link #split} after the first line of a record that spans several (a quoted
   * line break). Every physical line is a record's first line, a continuation or blank.
   */
  public long continuationLines() {
    return continuationLines;
  }

  /**
   * Reads the whole stream. I/O errors other than gzip damage are thrown (the file is unreadable).
   */
  public void split(InputStream in, Listener listener) throws IOException {
    split(in, 1, Long.MAX_VALUE, listener);
  }

  /**
   * Reads at most {@code limit} bytes of the stream: one range of a file that {@link FileRanges}
   * cut at record boundaries. {@code firstLine} is the line number of the range's first byte; a
   * UTF-8 BOM is skipped only at line 1 (the file's start).
   */
  public void split(InputStream in, long firstLine, long limit, Listener listener)
      throws IOException {
    new Run(firstLine, listener).read(in, limit);
  }

  /** Line breaks: none (the input's end), LF, CRLF, a lone CR. */
  private static final byte[][] BREAKS = {{}, {'\n'}, {'\r', '\n'}, {'\r'}};

  private static final int NONE = 0;
  private static final int LF = 1;
  private static final int CRLF = 2;
  private static final int CR = 3;

  /** A record may span at most this many lines; an open quote that spans more is a stray one. */
  static final int MAX_RECORD_LINES = 100;

  /**
   * One pass over a stream: physical lines are cut here and framed into records by {@link #line}.
   */
  private final class Run {
    private final Listener listener;
    private final ByteArrayBuffer line = new ByteArrayBuffer();
    private boolean lineOversized;
    private boolean lineHasQuote;
    private final Quotes fresh = new Quotes(); // the streamed line read as a record of its own
    private long lineNo;
    private long offset;
    private boolean pendingCr;
    // the open record (a quoted field not closed at a line's end): its bytes with the breaks
    // between
    // its lines, where each line starts, how each ended; never over maxRecordBytes or
    // MAX_RECORD_LINES
    private final ByteArrayBuffer open = new ByteArrayBuffer();
    private int[] openStarts = new int[8];
    private int[] openBreaks = new int[8];
    private int openLines;
    private long openLine;
    private final Quotes openQuotes = new Quotes();

    Run(long firstLine, Listener listener) {
      this.lineNo = firstLine;
      this.listener = listener;
      physicalLines = 0;
      blankLines = 0;
      continuationLines = 0;
      fresh.reset();
    }

    void read(InputStream in, long limit) throws IOException {
      byte[] chunk = new byte[1 << 16];
      long left = limit;
      try {
        if (lineNo == 1 && left >= 3) { // the BOM, however the stream's first reads are cut
          byte[] head = in.readNBytes(3);
          left -= head.length;
          if (head.length == 3
              && (head[0] & 0xFF) == 0xEF
              && (head[1] & 0xFF) == 0xBB
              && (head[2] & 0xFF) == 0xBF) {
            offset = 3;
          } else {
            consume(head, head.length);
          }
        }
        int n;
        while (left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) > 0) {
          left -= n;
          consume(chunk, n);
        }
      } catch (EOFException | ZipException e) {
        ByteArrayBuffer damaged = new ByteArrayBuffer();
        damaged.write(open.array(), 0, open.size());
        damaged.write(line.array(), 0, line.size());
        physicalLines += line.size() > 0 ? 1 : 0;
        continuationLines +=
            openLines > 0 && line.size() > 0 ? openLines : Math.max(0, openLines - 1);
        listener.reject(
            openLines > 0 ? openLine : lineNo,
            RejectReason.GZIP_CORRUPT,
            "compressed stream is damaged at line "
                + lineNo
                + " ("
                + e.getMessage()
                + "); records before it were kept",
            damaged.toByteArray());
        return;
      }
      if (pendingCr) {
        endLine(CR, line.array(), 0, line.size());
      } else if (line.size() > 0 || lineOversized) {
        endLine(NONE, line.array(), 0, line.size());
      }
      while (openLines > 0) { // a quote left open to the end
        rejectFirstAndReframe("never closes before the end of the input");
      }
    }

    /**
     * Cuts a chunk into physical lines: each line's bytes are found by a scan for the next break
     * and handed on as a slice of the chunk; only a line that spans chunks is copied.
     */
    private void consume(byte[] chunk, int n) {
      int i = 0;
      if (pendingCr && n > 0) { // a CR ended the previous chunk: this byte says CRLF or CR
        pendingCr = false;
        if (chunk[0] == '\n') {
          offset++;
          i = 1;
          endLine(CRLF, line.array(), 0, line.size());
        } else {
          endLine(CR, line.array(), 0, line.size());
        }
      }
      while (i < n) {
        int j = i;
        boolean quote = false;
        byte b = 0;
        while (j < n && (b = chunk[j]) != '\n' && b != '\r') {
          quote |= b == '"';
          j++;
        }
        int len = j - i;
        offset += len;
        lineHasQuote |= quote;
        if (j == n) { // the line goes on in the next chunk
          append(chunk, i, len);
          return;
        }
        offset++; // the break's first byte
        int brk = LF;
        int next = j + 1;
        if (b == '\r') {
          if (next == n) { // CRLF or a lone CR: the next chunk says
            append(chunk, i, len);
            pendingCr = true;
            return;
          }
          if (chunk[next] == '\n') {
            offset++;
            next++;
            brk = CRLF;
          } else {
            brk = CR;
          }
        }
        if (line.size() == 0 && !lineOversized && len <= maxRecordBytes) {
          endLine(brk, chunk, i, len);
        } else {
          append(chunk, i, len);
          endLine(brk, line.array(), 0, line.size());
        }
        i = next;
      }
    }

    /** Adds bytes to the streamed line, up to the record limit; past it the line is oversized. */
    private void append(byte[] chunk, int off, int len) {
      int room = maxRecordBytes - line.size();
      if (len <= room) {
        line.write(chunk, off, len);
      } else {
        line.write(chunk, off, Math.max(room, 0));
        lineOversized = true;
      }
    }

    /**
     * A streamed physical line, {@code bytes[off, off + len)}, has ended with a break {@code brk}.
     */
    private void endLine(int brk, byte[] bytes, int off, int len) {
      physicalLines++;
      long no = lineNo++;
      fresh.reset();
      if (csv
          && (lineHasQuote
              || expectedFields
                  < 0)) { // a line without quotes needs no scan (an oversized one is rejected)
        for (int k = off, e = off + len; k < e; k++) {
          fresh.feed(bytes[k]);
        }
      }
      line(no, bytes, off, len, brk, lineOversized, fresh);
      line.reset();
      lineOversized = false;
      lineHasQuote = false;
      if (openLines == 0) {
        listener.boundary(offset, lineNo);
      }
    }

    /**
     * Frames one physical line, streamed or framed again; {@code alone} is its quoting read as a
     * record by itself.
     */
    private void line(
        long no, byte[] bytes, int off, int len, int brk, boolean oversized, Quotes alone) {
      while (openLines > 0
          && (oversized
              || openLines >= MAX_RECORD_LINES
              || open.size() + BREAKS[openBreaks[openLines - 1]].length + len > maxRecordBytes)) {
        rejectFirstAndReframe(
            "would span more than " + MAX_RECORD_LINES + " lines or " + maxRecordBytes + " bytes");
      }
      if (openLines > 0) {
        appendOpen(bytes, off, len, brk);
        checkOpen();
      } else if (csv && alone.inQuotes()) {
        if (oversized) {
          emit(bytes, off, len, no, true, listener);
          return;
        }
        openLine = no;
        openQuotes.reset();
        appendOpen(bytes, off, len, brk);
        checkOpen();
      } else if (!oversized && isBlank(bytes, off, len)) {
        blankLines++;
      } else {
        if (csv && expectedFields < 0 && !oversized) {
          expectedFields = alone.fields();
        }
        emit(bytes, off, len, no, oversized, listener);
      }
    }

    private void appendOpen(byte[] bytes, int off, int len, int brk) {
      if (openLines > 0) { // the break that ended the previous line belongs to the record
        for (byte b : BREAKS[openBreaks[openLines - 1]]) {
          open.write(b);
          openQuotes.feed(b);
        }
      }
      if (openLines == openStarts.length) {
        openStarts = Arrays.copyOf(openStarts, openLines * 2);
        openBreaks = Arrays.copyOf(openBreaks, openLines * 2);
      }
      openStarts[openLines] = open.size();
      openBreaks[openLines] = brk;
      openLines++;
      open.write(bytes, off, len);
      if (csv) {
        for (int k = off; k < off + len; k++) {
          openQuotes.feed(bytes[k]);
        }
      }
    }

    /**
     * Once the open record's quote closes: a whole CSV record (quotes paired, the header's number
     * of fields) is emitted; anything else was a stray quote.
     */
    private void checkOpen() {
      if (openQuotes.inQuotes()) {
        return;
      }
      if (openQuotes.wellFormed()
          && (expectedFields < 0 || openQuotes.fields() == expectedFields)) {
        continuationLines += openLines - 1;
        byte[] record = open.toByteArray();
        long first = openLine;
        openLines = 0;
        open.reset();
        emit(record, 0, record.length, first, false, listener);
      } else {
        rejectFirstAndReframe(
            "closes on line "
                + (openLine + openLines - 1)
                + " but the lines between do not make one record");
      }
    }

    /**
     * Rejects the line that opened the quote; the open record's other lines are framed again, in
     * order.
     */
    private void rejectFirstAndReframe(String why) {
      byte[] rest = open.toByteArray();
      int lines = openLines;
      long first = openLine;
      int[] starts = Arrays.copyOf(openStarts, lines);
      int[] breaks = Arrays.copyOf(openBreaks, lines);
      openLines = 0;
      open.reset();
      int end0 = lines > 1 ? starts[1] - BREAKS[breaks[0]].length : rest.length;
      listener.reject(
          first,
          RejectReason.UNTERMINATED_QUOTE,
          "a quoted field opened on line " + first + " " + why,
          Arrays.copyOf(rest, end0));
      Quotes alone = new Quotes();
      for (int k = 1; k < lines; k++) {
        int end = k + 1 < lines ? starts[k + 1] - BREAKS[breaks[k]].length : rest.length;
        alone.reset();
        for (int j = starts[k]; j < end; j++) {
          alone.feed(rest[j]);
        }
        line(first + k, rest, starts[k], end - starts[k], breaks[k], false, alone);
      }
    }
  }

  private void emit(
      byte[] bytes, int off, int len, long line, boolean oversized, Listener listener) {
    if (framingOnly && emitted) {
      return;
    }
    emitted = true;
    if (oversized) {
      listener.reject(
          line,
          RejectReason.RECORD_TOO_LARGE,
          "record is longer than the limit of " + maxRecordBytes + " bytes",
          Arrays.copyOfRange(bytes, off, off + Math.min(len, maxRecordBytes)));
      return;
    }
    if (len == 0 || isBlank(bytes, off, len)) {
      return;
    }
    String text = asciiWithoutNul(bytes, off, len);
    if (text != null) {
      listener.record(line, text);
      return;
    }
    try {
      CharsetDecoder d =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      text = d.decode(ByteBuffer.wrap(bytes, off, len)).toString();
    } catch (CharacterCodingException e) {
      listener.reject(
          line,
          RejectReason.INVALID_ENCODING,
          "record is not valid UTF-8",
          Arrays.copyOfRange(bytes, off, off + len));
      return;
    }
    if (text.indexOf('\0') >= 0) {
      listener.reject(
          line,
          RejectReason.INVALID_ENCODING,
          "record contains a NUL character",
          Arrays.copyOfRange(bytes, off, off + len));
      return;
    }
    listener.record(line, text);
  }

  /**
   * The record as a string when every byte is 7-bit ASCII and none is NUL (nearly every record: the
   * check and a Latin-1 copy cost a fraction of a strict UTF-8 decode); null otherwise, and the
   * strict decoder decides.
   */
  private static String asciiWithoutNul(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] <= 0) {
        return null;
      }
    }
    return new String(b, off, len, StandardCharsets.ISO_8859_1);
  }

  private static boolean isBlank(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  /**
   * The quoting state of CSV text as {@link CsvFields} reads it: a quote opens a field only at the
   * field's start; inside, a doubled quote is a quote and a single one closes the field.
   */
  static final class Quotes {
    private boolean inQuotes;
    private boolean quoteSeen; // inside quotes, the last byte was a quote: closes unless doubled
    private boolean fieldStart;
    private boolean afterClose; // a quoted field has closed: only a comma may follow
    private boolean malformed;
    private int fields;

    void reset() {
      inQuotes = false;
      quoteSeen = false;
      fieldStart = true;
      afterClose = false;
      malformed = false;
      fields = 1;
    }

    void feed(byte b) {
      if (inQuotes) {
        if (quoteSeen) {
          quoteSeen = false;
          if (b == '"') {
            return; // a doubled quote
          }
          inQuotes = false; // the quote before closed the field; b is read outside
          afterClose = true;
        } else {
          if (b == '"') {
            quoteSeen = true;
          }
          return;
        }
      }
      if (b == ',') {
        fields++;
        fieldStart = true;
        afterClose = false;
        return;
      }
      if (afterClose || (b == '"' && !fieldStart)) {
        malformed = true; // text after a closing quote, or a quote inside an unquoted field
      }
      if (b == '"' && fieldStart) {
        inQuotes = true;
      }
      fieldStart = false;
    }

    /** Inside a quoted field (a quote just seen at the end closes it). */
    boolean inQuotes() {
      return inQuotes && !quoteSeen;
    }

    /** Read as {@link CsvFields} would, without error so far. */
    boolean wellFormed() {
      return !malformed;
    }

    int fields() {
      return fields;
    }

    static int fieldsOf(String text) {
      Quotes q = new Quotes();
      q.reset();
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        q.feed(b);
      }
      return q.fields();
    }
  }
}
