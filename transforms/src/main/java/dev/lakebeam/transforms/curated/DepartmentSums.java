package dev.lakebeam.transforms.curated;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The sums of one department over a group of enriched lines (a day, or a minute for the stream):
 * distinct orders, items, revenue to the cent and the items that have no price. One definition for
 * {@code daily_department_sales} and {@code department_sales_1m}. A group may also be summed in
 * parts that share no order (the buckets of a batch run's enrichment), then added up ({@link
 * #addAll}), carried between steps as a row of {@link #TOTALS}.
 */
public final class DepartmentSums {
  /** The sums as a row: department, distinct orders, items, revenue in cents, unpriced items. */
  static final Schema TOTALS =
      Schema.builder()
          .addStringField("department")
          .addInt64Field("orders")
          .addInt64Field("items")
          .addNullableField("revenue_cents", Schema.FieldType.INT64)
          .addInt64Field("unpriced_items")
          .build();

  private final Set<Integer> orders = new HashSet<>();
  // orders of the parts added up, and of lines whose caller counted their order
  private long countedOrders;
  private long items;
  private long cents;
  private boolean priced;
  private long unpricedItems;
  private String department;

  /** Adds one enriched line (order_id, department, quantity, line_revenue). */
  public void add(Row line) {
    orders.add(line.getInt32("order_id"));
    addItems(
        line.getString("department"), line.getInt32("quantity"), line.getDecimal("line_revenue"));
  }

  /**
   * Adds one line whose order the caller tells apart: {@code newOrder} when no earlier line of this
   * group belongs to its order. The caller remembers the orders, not this group.
   */
  void add(boolean newOrder, String department, int quantity, BigDecimal revenue) {
    if (newOrder) {
      countedOrders++;
    }
    addItems(department, quantity, revenue);
  }

  private void addItems(String department, int quantity, BigDecimal revenue) {
    this.department = department;
    items += quantity;
    if (revenue == null) {
      unpricedItems += quantity;
    } else {
      cents = Math.addExact(cents, Money.cents(revenue));
      priced = true;
    }
  }

  /** Adds the sums of a part of the group that shares no order with the parts already added. */
  DepartmentSums addAll(DepartmentSums part) {
    countedOrders += part.orders();
    items += part.items;
    cents = Math.addExact(cents, part.cents);
    priced |= part.priced;
    unpricedItems += part.unpricedItems;
    if (part.department != null) {
      department = part.department;
    }
    return this;
  }

  private long orders() {
    return orders.size() + countedOrders;
  }

  /**
   * Sets the sum columns (department, orders, items, revenue, unpriced_items) on a row of either
   * table.
   */
  public Row.FieldValueBuilder into(Row.FieldValueBuilder row) {
    return row.withFieldValue("department", department)
        .withFieldValue("orders", orders())
        .withFieldValue("items", items)
        .withFieldValue("revenue", priced ? Money.usd(cents) : null)
        .withFieldValue("unpriced_items", unpricedItems);
  }

  /** These sums as a row of {@link #TOTALS}. */
  Row totals() {
    return Row.withSchema(TOTALS)
        .attachValues(
            Arrays.asList(
                department, orders(), items, priced ? (Long) cents : null, unpricedItems));
  }

  /** The sums of a row of {@link #TOTALS}; its orders count as a part's. */
  static DepartmentSums ofTotals(Row totals) {
    DepartmentSums s = new DepartmentSums();
    s.department = totals.getString("department");
    s.countedOrders = totals.getInt64("orders");
    s.items = totals.getInt64("items");
    Long c = totals.getInt64("revenue_cents");
    s.priced = c != null;
    s.cents = c == null ? 0 : c;
    s.unpricedItems = totals.getInt64("unpriced_items");
    return s;
  }
}
