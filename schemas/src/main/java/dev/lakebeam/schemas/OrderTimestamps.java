package dev.lakebeam.schemas;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one rule that gives an Instacart order its event time {@code order_ts}. The Kaggle files
 * carry no timestamp; PostgreSQL and Kinesis carry it explicitly and, for the sample, agree with
 * this rule.
 *
 * <p>For each user, over all of that user's orders sorted by {@code order_number}:
 *
 * <ol>
 *   <li>the last order falls on the latest date on or before the as-of date whose weekday is its
 *       {@code order_dow} (0 = Sunday, ..., 6 = Saturday);
 *   <li>walking back, each earlier order falls {@code days_since_prior_order} days before the order
 *       after it (a missing value counts as 0 days);
 *   <li>the time of day is {@code order_hour_of_day}, with minute and second taken from a
 *       SplitMix64 hash of the {@code order_id} (so they are stable and spread out);
 *   <li>everything is UTC.
 * </ol>
 *
 * Where the data is consistent (as {@code generate} writes it), every order's date then also has
 * the weekday of its {@code order_dow}.
 */
public final class OrderTimestamps {
  /** The as-of date used when none is given: the day the sample's last orders fall on or before. */
  public static final LocalDate DEFAULT_AS_OF = LocalDate.of(2025, 6, 30);

  private OrderTimestamps() {}

  /** The fields of an order that the rule reads. */
  public record OrderKey(
      int orderId, int orderNumber, int orderDow, int orderHourOfDay, Integer daysSincePrior) {}

  /** Event times for one user's orders, by order_id. */
  public static Map<Integer, Instant> assign(List<OrderKey> userOrders, LocalDate asOf) {
    List<OrderKey> sorted = new ArrayList<>(userOrders);
    sorted.sort(Comparator.comparingInt(OrderKey::orderNumber).thenComparingInt(OrderKey::orderId));
    Map<Integer, Instant> out = new LinkedHashMap<>();
    if (sorted.isEmpty()) {
      return out;
    }
    OrderKey last = sorted.get(sorted.size() - 1);
    LocalDate date = asOf.with(TemporalAdjusters.previousOrSame(dayOfWeek(last.orderDow())));
    for (int i = sorted.size() - 1; i >= 0; i--) {
      OrderKey o = sorted.get(i);
      out.put(o.orderId(), at(date, o));
      Integer gap = o.daysSincePrior();
      date = date.minusDays(gap == null ? 0 : gap);
    }
    return out;
  }

  /** Kaggle's order_dow (0 = Sunday) as a java.time weekday. */
  public static DayOfWeek dayOfWeek(int orderDow) {
    if (orderDow < 0 || orderDow > 6) {
      throw new IllegalArgumentException("order_dow must be 0..6, was " + orderDow);
    }
    return orderDow == 0 ? DayOfWeek.SUNDAY : DayOfWeek.of(orderDow);
  }

  /** Kaggle's order_dow (0 = Sunday) of a date. */
  public static int orderDow(LocalDate date) {
    return date.getDayOfWeek().getValue() % 7;
  }

  private static Instant at(LocalDate date, OrderKey o) {
    long h = mix(o.orderId());
    int minute = (int) Long.remainderUnsigned(h, 60);
    int second = (int) Long.remainderUnsigned(h >>> 16, 60);
    return date.atTime(LocalTime.of(o.orderHourOfDay(), minute, second)).toInstant(ZoneOffset.UTC);
  }

  /** SplitMix64's finalizer: a fixed, well-spread hash of a number. */
  public static long mix(long x) {
    long z = x + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
