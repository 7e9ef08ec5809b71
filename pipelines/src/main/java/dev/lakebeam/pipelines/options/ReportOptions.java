package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Description;

/** Options of {@code report}: the lake to read and the folder to write the dashboard into. */
@OptionGroup("Report")
public interface ReportOptions extends LakeOptions {
  /**
   * The folder of --out when none is given (no @Default: ddl's and generate's --out have none, and
   * Beam wants one rule per name).
   */
  String DEFAULT_OUT = "/tmp/lakebeam/report";

  @Description(
      "Folder to write index.html into (created if missing); default: /tmp/lakebeam/report.")
  String getOut();

  void setOut(String value);
}
