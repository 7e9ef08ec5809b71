package dev.lakebeam.transforms.parse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lakebeam.schemas.Cents;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.transforms.records.Rows;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Builds a Row of a parse schema from text fields (CSV) or a JSON object, field by field, with a
 * reason code for the first field that does not fit. Absent or empty optional fields are null; a
 * field with a default (order_line.quantity) takes it when absent.
 */
public final class FieldParser {
  /** Why a record could not become a Row. */
  public static final class ParseError extends Exception {
    private final RejectReason reason;

    public ParseError(RejectReason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public RejectReason reason() {
      return reason;
    }
  }

  private final Schema schema;
  private final Map<String, Object> defaults;
  private final Rows.Of rows;

  public FieldParser(Schema schema, Map<String, Object> defaults) {
    this.schema = schema;
    this.defaults = defaults;
    this.rows = Rows.of(schema);
  }

  /** A CSV record: {@code index} maps a field name to its column, or is absent. */
  public Row fromCsv(Map<String, Integer> index, List<String> fields) throws ParseError {
    List<Object> b = new ArrayList<>(schema.getFieldCount());
    for (Schema.Field f : schema.getFields()) {
      Integer col = index.get(f.getName());
      String text = col == null ? null : fields.get(col);
      b.add(fromText(f, text == null || text.isEmpty() ? null : text));
    }
    return rows.attach(b);
  }

  /** A JSON object; fields it has that the schema does not are ignored. */
  public Row fromJson(JsonNode obj) throws ParseError {
    List<Object> b = new ArrayList<>(schema.getFieldCount());
    for (Schema.Field f : schema.getFields()) {
      JsonNode v = obj.get(f.getName());
      if (v == null || v.isNull()) {
        b.add(fromText(f, null));
      } else if (v.isTextual()) {
        b.add(fromText(f, v.asText().isEmpty() ? null : v.asText()));
      } else if (v.isNumber()) {
        b.add(fromNumber(f, v));
      } else if (v.isBoolean() && f.getType().getTypeName() == Schema.TypeName.STRING) {
        b.add(v.asText());
      } else {
        throw new ParseError(
            RejectReason.WRONG_TYPE,
            f.getName()
                + ": expected "
                + describe(f)
                + ", got a JSON "
                + v.getNodeType().name().toLowerCase());
      }
    }
    return rows.attach(b);
  }

  private Object fromText(Schema.Field f, String text) throws ParseError {
    if (text == null) {
      if (defaults.containsKey(f.getName())) {
        return defaults.get(f.getName());
      }
      if (!f.getType().getNullable()) {
        throw new ParseError(RejectReason.MISSING_REQUIRED, f.getName() + " is required");
      }
      return null;
    }
    String t = text.trim();
    switch (typeOf(f)) {
      case STRING:
        if (t.isEmpty() && !f.getType().getNullable()) {
          throw new ParseError(RejectReason.MISSING_REQUIRED, f.getName() + " is required");
        }
        return text;
      case INT32:
        return (int) integer(f, t, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case INT64:
        return integer(f, t, Long.MIN_VALUE, Long.MAX_VALUE);
      case DOUBLE:
        try {
          return Double.parseDouble(t);
        } catch (NumberFormatException e) {
          throw new ParseError(
              RejectReason.WRONG_TYPE,
              f.getName() + ": not a number (expected " + describe(f) + ")");
        }
      case DECIMAL:
        if (NOT_FINITE
            .matcher(t)
            .matches()) { // a number, but no amount: as the double-typed prices were
          throw new ParseError(RejectReason.OUT_OF_RANGE, f.getName() + " must be a finite amount");
        }
        try {
          return amount(f, new BigDecimal(t));
        } catch (NumberFormatException e) {
          throw new ParseError(
              RejectReason.WRONG_TYPE,
              f.getName() + ": not a number (expected " + describe(f) + ")");
        }
      case DATETIME:
        try {
          return new Instant(OffsetDateTime.parse(t).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
          try {
            return new Instant(java.time.Instant.parse(t).toEpochMilli());
          } catch (DateTimeParseException e2) {
            throw new ParseError(
                RejectReason.INVALID_TIMESTAMP,
                f.getName() + ": not an ISO-8601 timestamp or date");
          }
        }
      default:
        throw new IllegalStateException("no parser for " + f);
    }
  }

  private Object fromNumber(Schema.Field f, JsonNode v) throws ParseError {
    switch (typeOf(f)) {
      case STRING:
        return v.asText();
      case DOUBLE:
        if (!Double.isFinite(v.asDouble())) {
          throw new ParseError(
              RejectReason.NUMBER_OVERFLOW,
              f.getName() + ": out of range for a number (expected " + describe(f) + ")");
        }
        return v.asDouble();
      case DECIMAL:
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.asDouble())) {
          throw new ParseError(
              RejectReason.NUMBER_OVERFLOW,
              f.getName() + ": out of range for its type (expected " + describe(f) + ")");
        }
        return amount(f, v.decimalValue());
      case INT32:
      case INT64:
        if ((v.isDouble() || v.isFloat())
            && !Double.isFinite(v.asDouble())) { // 1e999 reads as Infinity
          throw new ParseError(
              RejectReason.NUMBER_OVERFLOW,
              f.getName() + ": out of range for its type (expected " + describe(f) + ")");
        }
        BigDecimal d = v.decimalValue();
        return fromText(f, d.stripTrailingZeros().toPlainString());
      default:
        throw new ParseError(
            RejectReason.WRONG_TYPE, f.getName() + ": expected " + describe(f) + ", got a number");
    }
  }

  private static final Pattern NOT_FINITE = Pattern.compile("(?i)[+-]?(nan|inf|infinity)");
  private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+");

  /** An optional sign and 1 to 18 digits: always within a long. */
  private static boolean isShortInteger(String s) {
    int from = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
    int n = s.length() - from;
    if (n < 1 || n > 18) {
      return false;
    }
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean onlyZerosAfter(String t, int dot) {
    for (int i = dot + 1; i < t.length(); i++) {
      if (t.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  private static long integer(Schema.Field f, String t, long min, long max) throws ParseError {
    String digits = t;
    int dot = t.indexOf('.');
    if (dot >= 0 && onlyZerosAfter(t, dot)) {
      digits = t.substring(0, dot);
    }
    if (isShortInteger(digits)) { // the common case, without a regex or a BigDecimal
      long v = Long.parseLong(digits);
      if (v < min || v > max) {
        throw new ParseError(
            RejectReason.NUMBER_OVERFLOW,
            f.getName() + ": out of range for its type (expected " + describe(f) + ")");
      }
      return v;
    }
    if (!WHOLE.matcher(digits).matches()) {
      throw new ParseError(
          RejectReason.WRONG_TYPE,
          f.getName() + ": not a whole number (expected " + describe(f) + ")");
    }
    BigDecimal v = new BigDecimal(digits);
    if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw new ParseError(
          RejectReason.NUMBER_OVERFLOW,
          f.getName() + ": out of range for its type (expected " + describe(f) + ")");
    }
    return v.longValueExact();
  }

  /** Money: at most 2 decimal places and 12 digits (DECIMAL(12,2)), of scale 2. */
  private static BigDecimal amount(Schema.Field f, BigDecimal v) throws ParseError {
    // judged before any rescaling: 9e100000000 would otherwise become a number of 10^8 digits
    if (v.precision() - v.scale() > 10) {
      throw new ParseError(
          RejectReason.NUMBER_OVERFLOW,
          f.getName()
              + ": more than 10 digits before the decimal point (expected "
              + describe(f)
              + ")");
    }
    if (v.scale() > 2 && v.stripTrailingZeros().scale() > 2) {
      throw new ParseError(
          RejectReason.WRONG_TYPE,
          f.getName() + ": more than 2 decimal places (expected " + describe(f) + ")");
    }
    BigDecimal cents;
    try {
      cents = v.setScale(2, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new ParseError(
          RejectReason.WRONG_TYPE,
          f.getName() + ": more than 2 decimal places (expected " + describe(f) + ")");
    }
    if (cents.precision() > 12) {
      throw new ParseError(
          RejectReason.NUMBER_OVERFLOW,
          f.getName() + ": out of range for its type (expected " + describe(f) + ")");
    }
    return cents;
  }

  /** The type a field parses as: an amount ({@link dev.lakebeam.schemas.Cents}) as a DECIMAL. */
  private static Schema.TypeName typeOf(Schema.Field f) {
    return Cents.is(f.getType()) ? Schema.TypeName.DECIMAL : f.getType().getTypeName();
  }

  private static String describe(Schema.Field f) {
    switch (typeOf(f)) {
      case INT32:
      case INT64:
        return "a whole number";
      case DOUBLE:
        return "a number";
      case DECIMAL:
        return "an amount of at most 10 digits before the point and 2 after";
      case DATETIME:
        return "an ISO-8601 timestamp";
      default:
        return "text";
    }
  }
}
