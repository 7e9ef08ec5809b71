package dev.lakebeam.transforms.clean;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.parse.FieldParser;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * A price is 0..99,999.99 wherever a record carries one: product_prices.csv and RDS products alike.
 */
public class PriceRulesTest {
  private static Row withPrice(SourceDataset d, String price) throws Exception {
    Map<String, Object> values =
        new HashMap<>(Map.of("product_id", 1, "unit_price", new BigDecimal(price)));
    if (d == SourceDataset.PRODUCTS) {
      values.putAll(Map.of("product_name", "Banana", "aisle_id", 24, "department_id", 4));
    }
    Row.FieldValueBuilder b = Row.withSchema(d.parseSchema()).withFieldValues(Map.of());
    for (Map.Entry<String, Object> e : values.entrySet()) {
      b = b.withFieldValue(e.getKey(), e.getValue());
    }
    return b.build();
  }

  private static void check(SourceDataset d, String price) throws Exception {
    Rules.check(d, withPrice(d, price), Instant.now());
  }

  @Test
  public void pricesOutsideTheRangeAreRejectedForPricesAndProducts() throws Exception {
    for (SourceDataset d :
        new SourceDataset[] {SourceDataset.PRODUCT_PRICES, SourceDataset.PRODUCTS}) {
      check(d, "0.00");
      check(d, "99999.99");
      for (String bad : new String[] {"100000.00", "-0.01", "12345678.90"}) {
        FieldParser.ParseError e =
            assertThrows(d + " " + bad, FieldParser.ParseError.class, () -> check(d, bad));
        assertEquals(RejectReason.OUT_OF_RANGE, e.reason());
      }
    }
  }
}
