package dev.lakebeam.schemas;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import dev.lakebeam.schemas.OrderTimestamps.OrderKey;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class OrderTimestampsTest {
  private static final LocalDate AS_OF = LocalDate.of(2025, 6, 30); // a Monday

  @Test
  public void lastOrderFallsOnItsWeekdayOnOrBeforeTheAsOfDate() {
    // Saturday (6): the Saturday before Monday 2025-06-30 is 2025-06-28.
    Map<Integer, Instant> ts =
        OrderTimestamps.assign(List.of(new OrderKey(10, 1, 6, 9, null)), AS_OF);
    ZonedDateTime t = ts.get(10).atZone(ZoneOffset.UTC);
    assertEquals(LocalDate.of(2025, 6, 28), t.toLocalDate());
    assertEquals(9, t.getHour());
    // Monday (1) is the as-of date itself.
    assertEquals(
        AS_OF,
        OrderTimestamps.assign(List.of(new OrderKey(11, 1, 1, 0, null)), AS_OF)
            .get(11)
            .atZone(ZoneOffset.UTC)
            .toLocalDate());
  }

  @Test
  public void earlierOrdersWalkBackByDaysSincePrior() {
    // order 3 on Sunday 2025-06-29; order 3 came 7 days after order 2, order 2 30 days after 1.
    List<OrderKey> user =
        List.of(
            new OrderKey(300, 3, 0, 8, 7),
            new OrderKey(100, 1, 5, 20, null),
            new OrderKey(200, 2, 0, 23, 30));
    Map<Integer, Instant> ts = OrderTimestamps.assign(user, AS_OF);
    assertEquals(LocalDate.of(2025, 6, 29), date(ts.get(300)));
    assertEquals(LocalDate.of(2025, 6, 22), date(ts.get(200)));
    assertEquals(LocalDate.of(2025, 5, 23), date(ts.get(100)));
    assertEquals(
        5, OrderTimestamps.orderDow(date(ts.get(100)))); // consistent data stays consistent
    assertEquals(23, ts.get(200).atZone(ZoneOffset.UTC).getHour());
  }

  @Test
  public void minuteAndSecondAreStableAndSpread() {
    Instant a = OrderTimestamps.assign(List.of(new OrderKey(1, 1, 1, 10, null)), AS_OF).get(1);
    Instant b = OrderTimestamps.assign(List.of(new OrderKey(1, 1, 1, 10, null)), AS_OF).get(1);
    assertEquals(a, b);
    Set<Integer> minutes = new HashSet<>();
    for (int id = 1; id <= 200; id++) {
      minutes.add(
          OrderTimestamps.assign(List.of(new OrderKey(id, 1, 1, 10, null)), AS_OF)
              .get(id)
              .atZone(ZoneOffset.UTC)
              .getMinute());
    }
    assertFalse("minutes should spread out", minutes.size() < 40);
  }

  @Test(expected = IllegalArgumentException.class)
  public void rejectsAnImpossibleWeekday() {
    OrderTimestamps.dayOfWeek(7);
  }

  private static LocalDate date(Instant i) {
    return i.atZone(ZoneOffset.UTC).toLocalDate();
  }
}
