package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Options of {@code generate}. */
@OptionGroup("Data set")
public interface GenerateOptions extends PipelineOptions {
  /**
   * The folder of --out when none is given (no @Default: ddl's --out has none, and Beam wants one
   * rule per name).
   */
  String DEFAULT_OUT = "generated";

  @Description(
      "Folder to write into: {out}/files (Instacart CSV + extension files) and {out}/kinesis; default: ./generated.")
  String getOut();

  void setOut(String value);

  /** Default of --orders for generate (see {@link CommandDefault}). */
  int DEFAULT_ORDERS = 3000;

  @Description("Number of orders to generate (3,421,083 is the full Instacart scale).")
  @CommandDefault("3000")
  Integer getOrders();

  void setOrders(Integer value);

  @Description("Random seed; the same seed and options give byte-identical files.")
  @Default.Long(42L)
  Long getSeed();

  void setSeed(Long value);

  @Description("Number of products; default: half the orders, between 200 and 49,688.")
  Integer getProducts();

  void setProducts(Integer value);

  @Description(
      "As-of date (YYYY-MM-DD): each user's last order falls on or up to 6 days before it.")
  @Default.String("2025-06-30")
  String getAsOf();

  void setAsOf(String value);
}
