package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of the bounded backfill (DESIGN §4). */
public interface BackfillOptions extends LakeOptions, JdbcOptions {
  @Description("Comma-separated sources to read: files, rds.")
  @Default.String("files")
  String getSources();

  void setSources(String value);

  @Description("Folder or s3:// prefix with the source files (the layout of sample-data/files).")
  @Default.String("sample-data/files")
  String getInput();

  void setInput(String value);

  @Description("First event date to (re)build, YYYY-MM-DD, inclusive; default: all.")
  String getFrom();

  void setFrom(String value);

  @Description("Last event date to (re)build, YYYY-MM-DD, inclusive; default: all.")
  String getTo();

  void setTo(String value);
}
