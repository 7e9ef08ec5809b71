package dev.lakebeam.schemas;

import java.math.BigDecimal;
import org.apache.beam.sdk.schemas.Schema;

/**
 * Money in Beam rows: a {@code BigDecimal} of scale 2 (USD to the cent, the lake's {@code
 * DECIMAL(12,2)}), carried between steps as whole cents ({@code INT64}). Beam's row coder then
 * writes a variable-length long, where a plain {@code DECIMAL} goes through {@code BigDecimalCoder}
 * (a scale and the unscaled value's bytes) for every amount of every line.
 */
public final class Cents implements Schema.LogicalType<BigDecimal, Long> {
  private static final long serialVersionUID = 1L;

  public static final String IDENTIFIER = "lakebeam:cents:v1";

  /** The field type of an amount. */
  public static final Schema.FieldType FIELD_TYPE = Schema.FieldType.logicalType(new Cents());

  /** Whether a field type (nullable or not) is an amount. */
  public static boolean is(Schema.FieldType t) {
    return t.getTypeName() == Schema.TypeName.LOGICAL_TYPE
        && IDENTIFIER.equals(t.getLogicalType().getIdentifier());
  }

  @Override
  public String getIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Schema.FieldType getArgumentType() {
    return Schema.FieldType.STRING;
  }

  @Override
  public String getArgument() {
    return "";
  }

  @Override
  public Schema.FieldType getBaseType() {
    return Schema.FieldType.INT64;
  }

  /** Whole cents; an amount with a fraction of a cent is refused, never rounded. */
  @Override
  public Long toBaseType(BigDecimal amount) {
    return toCents(amount);
  }

  /** An amount in whole cents; fractions of a cent and amounts beyond a long are refused. */
  public static long toCents(BigDecimal amount) {
    try {
      return amount.movePointRight(2).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          amount.toPlainString() + " is not an amount to the cent", e);
    }
  }

  @Override
  public BigDecimal toInputType(Long cents) {
    return BigDecimal.valueOf(cents, 2);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cents;
  }

  @Override
  public int hashCode() {
    return IDENTIFIER.hashCode();
  }
}
