package dev.lakebeam.transforms.curated;

import static org.junit.Assert.assertArrayEquals;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

public class ReorderModelInputsTest {
  // fields in another order than the model's, with one it does not read: found by name
  private static final Schema PAIR =
      Schema.builder()
          .addDoubleField("mean_add_to_cart_position")
          .addInt32Field("user_id")
          .addNullableField("in_last_order", FieldType.BOOLEAN)
          .addInt32Field("orders_since_last")
          .addDoubleField("order_share")
          .addInt32Field("times_bought")
          .build();
  private static final Schema USER =
      Schema.builder()
          .addNullableField("mean_days_between_orders", FieldType.DOUBLE)
          .addNullableField("reorder_ratio", FieldType.DOUBLE)
          .addDoubleField("mean_basket_size")
          .addInt32Field("orders")
          .build();
  private static final Schema PRODUCT =
      Schema.builder()
          .addNullableField("first_time_reorder_share", FieldType.DOUBLE)
          .addNullableField("reorder_probability", FieldType.DOUBLE)
          .addInt64Field("orders")
          .build();

  @Test
  public void theInputsAreTheModelsTwelveInItsOrderWithMissingValuesAsZero() {
    ReorderModel.Inputs inputs = new ReorderModel.Inputs();
    Row pair = Row.withSchema(PAIR).addValues(4.5, 9, true, 2, 0.25, 3).build();
    Row user = Row.withSchema(USER).addValues(7.5, 0.4, 8.0, 12).build();
    Row product = Row.withSchema(PRODUCT).addValues(0.3, 0.6, 99L).build();
    assertArrayEquals(
        new double[] {3, 0.25, 2, 1, 4.5, 12, 8.0, 0.4, 7.5, Math.log1p(99), 0.6, 0.3},
        inputs.vector(pair, user, product),
        0);
    // nulls: not in the last order counts 0, a missing ratio, gap or share counts 0
    Row pair2 = Row.withSchema(PAIR).addValues(1.0, 9, null, 0, 1.0, 1).build();
    Row user2 = Row.withSchema(USER).addValues(null, null, 2.0, 1).build();
    Row product2 = Row.withSchema(PRODUCT).addValues(null, null, 0L).build();
    assertArrayEquals(
        new double[] {1, 1.0, 0, 0, 1.0, 1, 2.0, 0, 0, 0, 0, 0},
        inputs.vector(pair2, user2, product2),
        0);
  }
}
