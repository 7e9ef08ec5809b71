package dev.lakebeam.transforms.curated;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Amounts in USD, stored as {@code DECIMAL(12,2)}: sums are kept in whole cents (a {@code long})
 * and become decimals of scale 2 where they are written.
 */
public final class Money {
  /** Digits of a stored amount, cents included. */
  public static final int PRECISION = 12;

  private Money() {}

  /** An amount rounded half-up to the cent, of scale 2. */
  public static BigDecimal toCent(BigDecimal amount) {
    return amount.setScale(2, RoundingMode.HALF_UP);
  }

  /** Whole cents of an amount already at the cent. */
  public static long cents(BigDecimal amount) {
    return amount.movePointRight(2).longValueExact();
  }

  /** An amount of scale 2 from whole cents. */
  public static BigDecimal usd(long cents) {
    return BigDecimal.valueOf(cents, 2);
  }
}
