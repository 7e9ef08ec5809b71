package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

public class RejectBudgetPolicyTest {
  private static Map<String, Long> counts(long in, long skipped, long rejected) {
    return Map.of("in", in, "skipped", skipped, "rejected", rejected);
  }

  @Test
  public void rejectsAreCountedAgainstTheRecordsInsideTheRunsRange() {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    counts.put("orders", counts(1_000, 900, 1)); // 1 of the 100 in range: exactly 1 %, allowed
    counts.put("products", counts(0, 0, 0));
    assertNull(new RejectBudget(0.01).exceeded(counts));
    counts.put("orders", counts(1_000, 900, 2));
    assertEquals(
        "reject budget exceeded (--maxRejectRatio=0.01, 1.00 % per dataset): orders 2 of 100 rejected (2.00 %)",
        new RejectBudget(0.01).exceeded(counts));
  }

  @Test
  public void theLargestShareComesFirst() {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    counts.put("orders", counts(100, 0, 5));
    counts.put("feedback", counts(10, 0, 5));
    assertEquals(
        "reject budget exceeded (--maxRejectRatio=0.0, 0.00 % per dataset): feedback 5 of 10 rejected (50.00 %); "
            + "orders 5 of 100 rejected (5.00 %)",
        new RejectBudget(0).exceeded(counts));
  }

  @Test
  public void aRatioOutsideZeroToOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RejectBudget(1.5));
    assertThrows(IllegalArgumentException.class, () -> new RejectBudget(Double.NaN));
  }
}
