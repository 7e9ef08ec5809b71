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
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * Frames a byte stream into records, never throwing on bad input: CSV records per RFC 4180 (a
 * field that starts with a quote may hold commas, doubled quotes and line breaks), or one JSON
 * document per line. Lines end with LF, CRLF or a lone CR. Handles a UTF-8 BOM, checks each record
 * is valid UTF-8 without NUL characters and within the size limit, and turns a truncated or corrupt
 * gzip stream into one reject that holds what was read of the damaged record.
 *
 * <p>A stray quote costs at most its own record. A quote inside an unquoted field is text (the
 * field parser rejects that record alone). A quoted field left open resynchronises, as DuckDB's
 * and PostgreSQL's readers can be told to: at the first following line that is a whole record by
 * itself (quotes closed, the header's number of fields) while the open field would stay open
 * through it, the open record is rejected as {@code UNTERMINATED_QUOTE} and that line starts a new
 * record; at the end of the input, the line that opened the quote is rejected and the lines after
 * it are framed again. Memory per record is bounded by the size limit.
 */
public final class RecordSplitter {
  /** Receives what the splitter finds; line numbers are 1-based, of the record's first line. */
  public interface Listener {
    void record(long line, String text);

    void reject(long line, RejectReason reason, String message, byte[] payload);

    /**
     * Called where a record or a blank line has ended and no record is open: the stream offset
     * just past it, and the number of the line that follows (a range may start there).
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

  /** Frames without checking or decoding records after the first (for {@link FileRanges}' boundaries). */
  RecordSplitter framingOnly() {
    return new RecordSplitter(csv, maxRecordBytes, expectedFields, true);
  }

  /**
   * For a range after a CSV file's first: the file's header line, whose number of fields tells a
   * whole record when a quote is left open. At line 1 the first record sets it.
   */
  public RecordSplitter withHeader(String header) {
    return new RecordSplitter(csv, maxRecordBytes, header == null ? -1 : Quotes.fieldsOf(header), framingOnly);
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
   * Lines of the last {@link #split} after the first line of a record that spans several (a
   * quoted line break). Every physical line is a record's first line, a continuation or blank.
   */
  public long continuationLines() {
    return continuationLines;
  }

  /** Reads the whole stream. I/O errors other than gzip damage are thrown (the file is unreadable). */
  public void split(InputStream in, Listener listener) throws IOException {
    split(in, 1, Long.MAX_VALUE, listener);
  }

  /**
   * Reads at most {@code limit} bytes of the stream: one range of a file that {@link FileRanges}
   * cut at record boundaries. {@code firstLine} is the line number of the range's first byte; a
   * UTF-8 BOM is skipped only at line 1 (the file's start).
   */
  public void split(InputStream in, long firstLine, long limit, Listener listener) throws IOException {
    new Run(firstLine, listener).read(in, limit);
  }

  /** Line breaks: none (the input's end), LF, CRLF, a lone CR. */
  private static final byte[][] BREAKS = {{}, {'\n'}, {'\r', '\n'}, {'\r'}};

  private static final int NONE = 0;
  private static final int LF = 1;
  private static final int CRLF = 2;
  private static final int CR = 3;

  /** One pass over a stream: physical lines are cut here and framed into records by {@link #endLine}. */
  private final class Run {
    private final Listener listener;
    private final ByteArrayBuffer line = new ByteArrayBuffer();
    private boolean lineOversized;
    private final Quotes fresh = new Quotes(); // the line read as a record of its own
    private final Quotes continued = new Quotes(); // the line read inside the open record's quoted field
    private long lineNo;
    private long offset;
    private boolean pendingCr;
    // the open record (a quoted field not closed at a line's end): its bytes, its lines' starts and breaks
    private final ByteArrayBuffer open = new ByteArrayBuffer();
    private int[] openStarts = new int[8];
    private int[] openBreaks = new int[8];
    private int openLines;
    private long openLine;
    private boolean openOversized;

    Run(long firstLine, Listener listener) {
      this.lineNo = firstLine;
      this.listener = listener;
      physicalLines = 0;
      blankLines = 0;
      continuationLines = 0;
      fresh.reset(false);
      continued.reset(true);
    }

    void read(InputStream in, long limit) throws IOException {
      byte[] chunk = new byte[1 << 16];
      long left = limit;
      boolean first = lineNo == 1;
      try {
        int n;
        while (left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) > 0) {
          left -= n;
          int i = 0;
          if (first) {
            first = false;
            if (n >= 3 && (chunk[0] & 0xFF) == 0xEF && (chunk[1] & 0xFF) == 0xBB && (chunk[2] & 0xFF) == 0xBF) {
              i = 3;
              offset = 3;
            }
          }
          for (; i < n; i++) {
            byte b = chunk[i];
            if (pendingCr) {
              pendingCr = false;
              if (b == '\n') {
                offset++;
                endLine(CRLF, true);
                continue;
              }
              endLine(CR, true);
            }
            offset++;
            if (b == '\n') {
              endLine(LF, true);
            } else if (b == '\r') {
              pendingCr = true;
            } else {
              add(b);
            }
          }
        }
      } catch (EOFException | ZipException e) {
        ByteArrayBuffer damaged = new ByteArrayBuffer();
        damaged.write(open.array(), 0, open.size());
        damaged.write(line.array(), 0, line.size());
        physicalLines += line.size() > 0 ? 1 : 0;
        continuationLines += openLines > 0 && line.size() > 0 ? openLines : Math.max(0, openLines - 1);
        listener.reject(openLines > 0 ? openLine : lineNo, RejectReason.GZIP_CORRUPT,
            "compressed stream is damaged at line " + lineNo + " (" + e.getMessage() + "); records before it were kept",
            damaged.toByteArray());
        return;
      }
      if (pendingCr) {
        endLine(CR, true);
      } else if (line.size() > 0 || lineOversized) {
        endLine(NONE, true);
      }
      while (openLines > 0) { // a quote left open to the end
        rejectOpenAndReframe(false);
      }
    }

    private void add(byte b) {
      if (csv) {
        fresh.feed(b);
        continued.feed(b);
      }
      if (line.size() < maxRecordBytes) {
        line.write(b);
      } else {
        lineOversized = true;
      }
    }

    /** A physical line has ended with a break of kind {@code brk}; {@code streamed}: read now, not framed again. */
    private void endLine(int brk, boolean streamed) {
      if (streamed) {
        physicalLines++;
      }
      long no = lineNo++;
      byte[] bytes = line.array();
      int len = line.size();
      boolean oversized = lineOversized;
      if (openLines == 0) {
        if (csv && fresh.inQuotes()) {
          openLine = no;
          appendOpen(bytes, len, brk, oversized);
        } else if (!oversized && isBlank(bytes, len)) {
          blankLines++;
        } else {
          if (csv && expectedFields < 0 && !oversized) {
            expectedFields = fresh.fields();
          }
          emit(bytes, len, no, oversized, listener);
        }
      } else if (expectedFields > 0 && !oversized && !fresh.inQuotes() && fresh.fields() == expectedFields
          && continued.inQuotes() && !isBlank(bytes, len)) {
        byte[] whole = Arrays.copyOf(bytes, len);
        while (openLines > 0) {
          rejectOpenAndReframe(true);
        }
        emit(whole, whole.length, no, false, listener);
        lineNo = no + 1;
      } else {
        appendOpen(bytes, len, brk, oversized);
        if (!continued.inQuotes()) {
          continuationLines += openLines - 1;
          emit(open.array(), open.size(), openLine, openOversized, listener);
          openLines = 0;
          openOversized = false;
          open.reset();
        }
      }
      line.reset();
      lineOversized = false;
      fresh.reset(false);
      continued.reset(true);
      if (streamed && openLines == 0) {
        listener.boundary(offset, lineNo);
      }
    }

    private void appendOpen(byte[] bytes, int len, int brk, boolean oversized) {
      if (openLines > 0) { // the break that ended the previous line belongs to the record
        for (byte b : BREAKS[openBreaks[openLines - 1]]) {
          openWrite(b);
        }
      }
      if (openLines == openStarts.length) {
        openStarts = Arrays.copyOf(openStarts, openLines * 2);
        openBreaks = Arrays.copyOf(openBreaks, openLines * 2);
      }
      openStarts[openLines] = open.size();
      openBreaks[openLines] = brk;
      openLines++;
      openOversized |= oversized;
      for (int k = 0; k < len; k++) {
        openWrite(bytes[k]);
      }
    }

    private void openWrite(byte b) {
      if (open.size() < maxRecordBytes) {
        open.write(b);
      } else {
        openOversized = true;
      }
    }

    /**
     * Rejects the line that opened the quote and frames its other lines again, each as if read
     * anew. {@code resync}: a whole record follows; otherwise the input ended with the quote open.
     */
    private void rejectOpenAndReframe(boolean resync) {
      String why = resync
          ? "a quoted field opened on line " + openLine + " does not close before line " + lineNo + ", a whole record"
          : "a quoted field opened on line " + openLine + " never closes before the end of the file";
      byte[] rest = open.toByteArray();
      int lines = openLines;
      long first = openLine;
      boolean oversized = openOversized;
      int[] starts = Arrays.copyOf(openStarts, lines);
      int[] breaks = Arrays.copyOf(openBreaks, lines);
      openLines = 0;
      openOversized = false;
      open.reset();
      if (oversized) { // not every line was kept: the record is rejected whole
        continuationLines += lines - 1;
        listener.reject(first, RejectReason.RECORD_TOO_LARGE,
            "record is longer than the limit of " + maxRecordBytes + " bytes (" + why + ")", rest);
        return;
      }
      int end0 = lines > 1 ? starts[1] - BREAKS[breaks[0]].length : rest.length;
      listener.reject(first, RejectReason.UNTERMINATED_QUOTE, why, Arrays.copyOf(rest, end0));
      long resume = lineNo;
      for (int k = 1; k < lines; k++) {
        int end = k + 1 < lines ? starts[k + 1] - BREAKS[breaks[k]].length : rest.length;
        lineNo = first + k;
        line.reset();
        lineOversized = false;
        fresh.reset(false);
        continued.reset(true);
        for (int j = starts[k]; j < end; j++) {
          add(rest[j]);
        }
        endLine(breaks[k], false);
      }
      lineNo = resume;
      line.reset();
      lineOversized = false;
      fresh.reset(false);
      continued.reset(true);
    }
  }

  private void emit(byte[] bytes, int len, long line, boolean oversized, Listener listener) {
    if (framingOnly && emitted) {
      return;
    }
    emitted = true;
    if (oversized) {
      listener.reject(line, RejectReason.RECORD_TOO_LARGE, "record is longer than the limit of " + maxRecordBytes + " bytes",
          Arrays.copyOf(bytes, Math.min(len, maxRecordBytes)));
      return;
    }
    if (len == 0 || isBlank(bytes, len)) {
      return;
    }
    String text = asciiWithoutNul(bytes, len);
    if (text != null) {
      listener.record(line, text);
      return;
    }
    try {
      CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      text = d.decode(ByteBuffer.wrap(bytes, 0, len)).toString();
    } catch (CharacterCodingException e) {
      listener.reject(line, RejectReason.INVALID_ENCODING, "record is not valid UTF-8", Arrays.copyOf(bytes, len));
      return;
    }
    if (text.indexOf('\0') >= 0) {
      listener.reject(line, RejectReason.INVALID_ENCODING, "record contains a NUL character", Arrays.copyOf(bytes, len));
      return;
    }
    listener.record(line, text);
  }

  /**
   * The record as a string when every byte is 7-bit ASCII and none is NUL (nearly every record:
   * the check and a Latin-1 copy cost a fraction of a strict UTF-8 decode); null otherwise, and
   * the strict decoder decides.
   */
  private static String asciiWithoutNul(byte[] b, int len) {
    for (int i = 0; i < len; i++) {
      if (b[i] <= 0) {
        return null;
      }
    }
    return new String(b, 0, len, StandardCharsets.ISO_8859_1);
  }

  private static boolean isBlank(byte[] b, int len) {
    for (int i = 0; i < len; i++) {
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
    private int fields;

    void reset(boolean insideQuotes) {
      inQuotes = insideQuotes;
      quoteSeen = false;
      fieldStart = !insideQuotes;
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
      } else {
        if (b == '"' && fieldStart) {
          inQuotes = true;
        }
        fieldStart = false;
      }
    }

    /** Inside a quoted field (a quote just seen at the end closes it). */
    boolean inQuotes() {
      return inQuotes && !quoteSeen;
    }

    int fields() {
      return fields;
    }

    static int fieldsOf(String text) {
      Quotes q = new Quotes();
      q.reset(false);
      for (int i = 0; i < text.length(); i++) {
        q.feed((byte) text.charAt(i));
      }
      return q.fields();
    }
  }
}
