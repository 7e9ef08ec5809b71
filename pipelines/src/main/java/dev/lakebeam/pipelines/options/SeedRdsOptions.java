package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code seed-rds}. */
@OptionGroup("Seed")
public interface SeedRdsOptions extends JdbcOptions {
  @Description("Folder with the file set to load (the layout of sample-data/files).")
  @Default.String("sample-data/files")
  String getInput();

  void setInput(String value);

  @Description("As-of date (YYYY-MM-DD) of the order_ts rule, as given to generate.")
  @Default.String("2025-06-30")
  String getAsOf();

  void setAsOf(String value);
}
