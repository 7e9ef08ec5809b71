package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code query}: the lake to read and how to print what a query returns. */
@OptionGroup("Query")
public interface QueryOptions extends LakeOptions {
  @Description("List the tables with their row and file counts instead of running a query.")
  @Default.Boolean(false)
  Boolean getTables();

  void setTables(Boolean value);

  @Description(
      "How to print the result: table (aligned columns), csv (RFC 4180, with a header) or json (one object per line).")
  @Default.String("table")
  String getFormat();

  void setFormat(String value);
}
