package dev.lakebeam.transforms.parse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

/**
 * Prices parse to DECIMAL(12,2) exactly, from CSV text and from JSON numbers; what does not fit is
 * rejected with its reason, never rounded.
 */
public class FieldParserMoneyTest {
  private final FieldParser parser = new FieldParser(SourceDataset.PRICE_SCHEMA, Map.of());
  private static final Map<String, Integer> COLUMNS = Map.of("product_id", 0, "unit_price", 1);

  private BigDecimal csv(String price) throws FieldParser.ParseError {
    Row r = parser.fromCsv(COLUMNS, List.of("7", price));
    return r.getDecimal("unit_price");
  }

  private RejectReason rejected(String price) {
    return assertThrows(FieldParser.ParseError.class, () -> csv(price)).reason();
  }

  @Test
  public void amountsToTheCentKeepTheirValueAtScaleTwo() throws Exception {
    assertEquals(new BigDecimal("3.99"), csv("3.99"));
    assertEquals(new BigDecimal("4.00"), csv("4"));
    assertEquals(new BigDecimal("0.10"), csv(" 0.1 "));
    assertEquals(new BigDecimal("1.50"), csv("1.500"));
    assertEquals(new BigDecimal("1200.00"), csv("1.2e3"));
    assertEquals(new BigDecimal("9999999999.99"), csv("9999999999.99"));
    assertEquals(
        new BigDecimal("2.50"),
        parser
            .fromJson(new ObjectMapper().readTree("{\"product_id\": 7, \"unit_price\": 2.5}"))
            .getDecimal("unit_price"));
    assertEquals(null, csv(""));
  }

  @Test
  public void whatDoesNotFitIsRejectedNotRounded() throws Exception {
    assertEquals(RejectReason.WRONG_TYPE, rejected("1.005"));
    assertEquals(RejectReason.WRONG_TYPE, rejected("abc"));
    assertEquals(RejectReason.NUMBER_OVERFLOW, rejected("10000000000.00"));
    assertEquals(RejectReason.NUMBER_OVERFLOW, rejected("12345678901"));
    // exponents are judged before any rescaling: these return at once instead of building 10^8
    // digits
    assertEquals(RejectReason.NUMBER_OVERFLOW, rejected("9e100000000"));
    assertEquals(RejectReason.WRONG_TYPE, rejected("1e-100000000"));
    assertEquals(RejectReason.OUT_OF_RANGE, rejected("NaN"));
    assertEquals(RejectReason.OUT_OF_RANGE, rejected("-Infinity"));
    FieldParser.ParseError e =
        assertThrows(
            FieldParser.ParseError.class,
            () ->
                parser.fromJson(
                    new ObjectMapper().readTree("{\"product_id\": 7, \"unit_price\": 0.125}")));
    assertEquals(RejectReason.WRONG_TYPE, e.reason());
    assertTrue(e.getMessage(), e.getMessage().contains("unit_price: more than 2 decimal places"));
  }
}
