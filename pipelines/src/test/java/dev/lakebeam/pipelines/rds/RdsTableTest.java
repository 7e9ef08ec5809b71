package dev.lakebeam.pipelines.rds;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.lakebeam.schemas.SourceDataset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/** The tables derived from the source definitions match the database's own DDL. */
public class RdsTableTest {
  private static final Pattern TABLE =
      Pattern.compile("CREATE TABLE IF NOT EXISTS shop\\.(\\w+) \\((.*?)\\n\\);", Pattern.DOTALL);

  @Test
  public void everyTableHasTheColumnsAndKindsOfSchemaSql() throws Exception {
    Map<String, Map<String, String>> ddl = new LinkedHashMap<>();
    Matcher m = TABLE.matcher(RdsSeeder.schemaSql());
    while (m.find()) {
      Map<String, String> columns = new LinkedHashMap<>();
      for (String line : m.group(2).split("\\n")) {
        String[] words = line.trim().split("\\s+");
        if (words.length >= 2 && !words[0].equals("PRIMARY")) {
          columns.put(words[0], kind(words[1]));
        }
      }
      ddl.put(m.group(1), columns);
    }
    assertEquals(
        List.of(
            "departments", "aisles", "products", "customers", "orders", "order_lines", "feedback"),
        RdsTable.all().stream().map(RdsTable::table).toList());
    for (RdsTable t : RdsTable.all()) {
      assertEquals(t.table(), ddl.get(t.table()), t.columns());
    }
  }

  @Test
  public void onlyTablesOfTheAllowListAreNamedAndInTheirOrder() {
    assertEquals(
        List.of("orders", "order_lines"),
        RdsTable.named("order_lines,orders").stream().map(RdsTable::table).toList());
    assertThrows(IllegalArgumentException.class, () -> RdsTable.named("orders;drop table x"));
    assertThrows(IllegalArgumentException.class, () -> new RdsTable(SourceDataset.CLICK_EVENTS));
  }

  @Test
  public void orderLinesTakeTheirOrdersEventTime() {
    RdsTable lines = new RdsTable(SourceDataset.ORDER_LINES);
    assertEquals(
        "SELECT t.order_id, t.product_id, t.add_to_cart_order, t.reordered, t.quantity, t.updated_at "
            + "FROM shop.order_lines t JOIN shop.orders o ON o.order_id = t.order_id WHERE TRUE "
            + "AND t.order_id >= ? AND t.order_id < ? AND o.order_ts >= ? AND o.order_ts < ?",
        lines.query());
    assertEquals(
        "SELECT t.feedback_id, t.store_id, t.rating, t.comment, t.email, t.submitted_at, t.updated_at "
            + "FROM shop.feedback t WHERE TRUE AND t.submitted_at >= ? AND t.submitted_at < ?",
        new RdsTable(SourceDataset.FEEDBACK).query());
  }

  private static String kind(String sqlType) {
    return switch (sqlType.replaceAll("[,(].*", "")) {
      case "integer", "smallint", "bigint" -> "integer";
      case "numeric" -> "numeric";
      case "timestamptz", "timestamp" -> "timestamp";
      default -> "text";
    };
  }
}
