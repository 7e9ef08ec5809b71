package dev.lakebeam.transforms.curated;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Amounts in USD, rounded half-up to the cent where they are stored. */
public final class Money {
  private Money() {}

  public static double cents(double amount) {
    return BigDecimal.valueOf(amount).setScale(2, RoundingMode.HALF_UP).doubleValue();
  }
}
