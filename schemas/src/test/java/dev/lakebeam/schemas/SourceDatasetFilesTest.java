package dev.lakebeam.schemas;

import static org.junit.Assert.assertEquals;

import java.util.Optional;
import org.junit.Test;

/** Which dataset a file under --input belongs to. */
public class SourceDatasetFilesTest {
  private static Optional<SourceDataset> of(String name) {
    return SourceDataset.ofFile(name);
  }

  @Test
  public void namesInAnyCaseWithTheirUsualExtensionsPlainOrGzip() {
    assertEquals(Optional.of(SourceDataset.ORDERS), of("orders.csv"));
    assertEquals(Optional.of(SourceDataset.ORDERS), of("Orders.CSV.GZ"));
    assertEquals(Optional.of(SourceDataset.PRODUCTS), of("products.csv.gz"));
    assertEquals(Optional.of(SourceDataset.PRODUCT_PRICES), of("PRODUCT_PRICES.csv"));
    assertEquals(Optional.of(SourceDataset.CLICK_EVENTS), of("Clickstream.jsonl"));
    assertEquals(Optional.of(SourceDataset.FEEDBACK), of("feedback.json"));
    assertEquals(Optional.of(SourceDataset.CUSTOMERS), of("customers.json.gz"));
    assertEquals(Optional.of(SourceDataset.ORDER_LINES), of("order_products__prior.csv"));
    assertEquals(Optional.of(SourceDataset.ORDER_LINES), of("ORDER_PRODUCTS__train.CSV"));
    assertEquals(
        "the glob it replaces matched an empty suffix too",
        Optional.of(SourceDataset.ORDER_LINES),
        of("order_products__.csv"));
  }

  @Test
  public void otherNamesAndExtensionsMatchNothing() {
    for (String name :
        new String[] {
          "orders.json",
          "clickstream.csv",
          "orders.parquet",
          "orders.csv.bak",
          "my_orders.csv",
          "orders",
          "order_products.csv",
          ".orders.csv",
          "products.csv.zip",
          "notes.txt"
        }) {
      assertEquals(name, Optional.empty(), of(name));
    }
  }
}
