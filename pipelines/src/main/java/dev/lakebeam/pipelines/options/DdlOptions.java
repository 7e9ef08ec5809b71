package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code ddl}. */
@OptionGroup("Athena")
public interface DdlOptions extends LakeOptions {
  @Description("Athena / Glue database to create the tables in.")
  @Default.String("lakebeam")
  String getDatabase();

  void setDatabase(String value);

  @Description(
      "Folder to write one .sql file per statement into, numbered in the order Athena must run them; default: print the script.")
  String getOut();

  void setOut(String value);
}
