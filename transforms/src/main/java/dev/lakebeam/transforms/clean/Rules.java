package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.FieldParser.ParseError;
import java.math.BigDecimal;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableDateTime;

/** The per-dataset rules a parsed record must meet on its own (references are checked apart). */
public final class Rules {
  static final BigDecimal MAX_PRICE = new BigDecimal("99999.99");
  public static final Set<String> EVAL_SETS = Set.of("prior", "train", "test");
  public static final Set<String> CLICK_TYPES =
      Set.of("page_view", "product_view", "search", "add_to_cart", "remove_from_cart", "checkout");

  private Rules() {}

  /**
   * Checks one record.
   *
   * @param latestAllowed event times after this instant are FUTURE_TIMESTAMP; before 1970 they are
   *     OUT_OF_RANGE
   */
  public static void check(SourceDataset d, Row r, Instant latestAllowed) throws ParseError {
    switch (d) {
      case ORDERS:
        range(r, "order_number", 1, Integer.MAX_VALUE);
        range(r, "order_dow", 0, 6);
        range(r, "order_hour_of_day", 0, 23);
        range(r, "days_since_prior_order", 0, 30);
        oneOf(r, "eval_set", EVAL_SETS);
        notFuture(r, "order_ts", latestAllowed);
        break;
      case ORDER_LINES:
        range(r, "add_to_cart_order", 1, Integer.MAX_VALUE);
        range(r, "reordered", 0, 1);
        range(r, "quantity", 1, 100_000);
        break;
      case PRODUCTS: // RDS products carry their price
      case PRODUCT_PRICES:
        price(r);
        break;
      case CUSTOMERS:
        if (!r.getString("email").contains("@")) {
          throw new ParseError(RejectReason.OUT_OF_RANGE, "email has no @");
        }
        notFuture(r, "updated_at", latestAllowed);
        break;
      case CLICK_EVENTS:
        oneOf(r, "type", CLICK_TYPES);
        notFuture(r, "ts", latestAllowed);
        break;
      case FEEDBACK:
        range(r, "rating", 1, 5);
        notFuture(r, "submitted_at", latestAllowed);
        break;
      default:
        break;
    }
  }

  private static void range(Row r, String field, long min, long max) throws ParseError {
    Number v = r.getValue(field);
    if (v != null && (v.longValue() < min || v.longValue() > max)) {
      throw new ParseError(RejectReason.OUT_OF_RANGE, field + " must be " + min + ".." + max);
    }
  }

  private static void oneOf(Row r, String field, Set<String> allowed) throws ParseError {
    String v = r.getString(field);
    if (v != null && !allowed.contains(v)) {
      throw new ParseError(
          RejectReason.OUT_OF_RANGE, field + " must be one of " + new TreeSet<>(allowed));
    }
  }

  /** Event times before this are out of range (a year 0001 default, a zeroed clock). */
  /** A price, where a record has one (prices, and RDS products), is 0..99,999.99. */
  private static void price(Row r) throws ParseError {
    BigDecimal p = r.getDecimal("unit_price");
    // at most 99,999.99, so that a line of up to 100,000 units fits DECIMAL(12,2)
    if (p != null && (p.signum() < 0 || p.compareTo(MAX_PRICE) > 0)) {
      throw new ParseError(
          RejectReason.OUT_OF_RANGE,
          "unit_price must be an amount 0..99999.99, was " + p.toPlainString());
    }
  }

  public static final Instant EARLIEST_EVENT = new Instant(0L);

  private static void notFuture(Row r, String field, Instant latestAllowed) throws ParseError {
    ReadableDateTime v = r.getDateTime(field);
    if (v != null && v.toInstant().isBefore(EARLIEST_EVENT)) {
      throw new ParseError(RejectReason.OUT_OF_RANGE, field + " is before " + EARLIEST_EVENT);
    }
    if (v != null && v.toInstant().isAfter(latestAllowed)) {
      throw new ParseError(
          RejectReason.FUTURE_TIMESTAMP,
          field + " is later than " + latestAllowed + " (the run's clock plus the tolerance)");
    }
  }
}
