package dev.lakebeam.transforms.curated;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.values.Row;

/**
 * The sums of one department over a group of enriched lines (a day, or a minute for the stream):
 * distinct orders, items, revenue to the cent and the items that have no price. One definition for
 * {@code daily_department_sales} and {@code department_sales_1m}.
 */
public final class DepartmentSums {
  private final Set<Integer> orders = new HashSet<>();
  private long items;
  private long cents;
  private boolean priced;
  private long unpricedItems;
  private String department;

  /** Adds one enriched line (order_id, department, quantity, line_revenue). */
  public void add(Row line) {
    department = line.getString("department");
    orders.add(line.getInt32("order_id"));
    int quantity = line.getInt32("quantity");
    items += quantity;
    BigDecimal revenue = line.getDecimal("line_revenue");
    if (revenue == null) {
      unpricedItems += quantity;
    } else {
      cents = Math.addExact(cents, Money.cents(revenue));
      priced = true;
    }
  }

  /**
   * Sets the sum columns (department, orders, items, revenue, unpriced_items) on a row of either
   * table.
   */
  public Row.FieldValueBuilder into(Row.FieldValueBuilder row) {
    return row.withFieldValue("department", department)
        .withFieldValue("orders", (long) orders.size())
        .withFieldValue("items", items)
        .withFieldValue("revenue", priced ? Money.usd(cents) : null)
        .withFieldValue("unpriced_items", unpricedItems);
  }
}
