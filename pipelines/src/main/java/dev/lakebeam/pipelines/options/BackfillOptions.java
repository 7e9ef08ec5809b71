package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of the bounded backfill (DESIGN §4). */
@OptionGroup("What to build")
public interface BackfillOptions extends LakeOptions, JdbcOptions, CleanOptions {
  @Description("Comma-separated sources to read: files, rds.")
  @Default.String("files")
  @OptionGroup("Input")
  String getSources();

  void setSources(String value);

  @Description("Folder or s3:// prefix with the source files (the layout of sample-data/files).")
  @Default.String("sample-data/files")
  @OptionGroup("Input")
  String getInput();

  void setInput(String value);

  @Description("First event date to (re)build, YYYY-MM-DD, inclusive; default: all.")
  @OptionGroup("Input")
  String getFrom();

  void setFrom(String value);

  @Description("Last event date to (re)build, YYYY-MM-DD, inclusive; default: all.")
  @OptionGroup("Input")
  String getTo();

  void setTo(String value);

  @Description("Records longer than this many bytes are rejected as RECORD_TOO_LARGE.")
  @Default.Integer(1048576)
  @OptionGroup("Checks and guards")
  Integer getMaxRecordBytes();

  void setMaxRecordBytes(Integer value);

  @Description(
      "Reject budget per dataset, like Glue's error threshold: when more than this share (0..1) of any dataset's "
          + "records is rejected, the run fails after writing the rejects and the manifest, and publishes no clean data. "
          + "0.05 (5 %) by default, 0.01 in emr-backfill; 1 turns the budget off.")
  @Default.Double(0.05)
  @OptionGroup("Checks and guards")
  Double getMaxRejectRatio();

  void setMaxRejectRatio(Double value);

  @Description(
      "Accept source files that are empty or hold a CSV header alone (by default each is an error).")
  @Default.Boolean(false)
  @OptionGroup("Checks and guards")
  Boolean getAllowEmptyFiles();

  void setAllowEmptyFiles(Boolean value);

  @Description(
      "Publish even when a clean dataset would hold less than half the rows it holds now in what the run "
          + "replaces (its date range, or the whole dataset). Without it such a run fails before it publishes anything.")
  @Default.Boolean(false)
  @OptionGroup("Checks and guards")
  Boolean getAllowShrink();

  void setAllowShrink(Boolean value);

  @Description("As-of date (YYYY-MM-DD) of the order_ts rule for orders that carry no timestamp.")
  @Default.String("2025-06-30")
  String getAsOf();

  void setAsOf(String value);

  @Description("Parquet files per partition.")
  @Default.Integer(1)
  Integer getFilesPerPartition();

  void setFilesPerPartition(Integer value);

  @Description("Seconds between progress lines while the pipeline runs (0: none).")
  @Default.Integer(10)
  @OptionGroup("Run")
  Integer getProgressSeconds();

  void setProgressSeconds(Integer value);

  @Description(
      "Comma-separated database tables to read with --sources=rds (default: all): departments, aisles, products, "
          + "customers, orders, order_lines, feedback. Only these names are accepted (an allow-list).")
  @Default.String("departments,aisles,products,customers,orders,order_lines,feedback")
  @OptionGroup("Database source")
  String getRdsTables();

  void setRdsTables(String value);

  @Description("Key ranges each database table is read in, in parallel (--sources=rds).")
  @Default.Integer(4)
  @OptionGroup("Database source")
  Integer getJdbcPartitions();

  void setJdbcPartitions(Integer value);

  @Description("Rows PostgreSQL sends per round trip while streaming a table (--sources=rds).")
  @Default.Integer(10000)
  @OptionGroup("Database source")
  Integer getJdbcFetchSize();

  void setJdbcFetchSize(Integer value);

  @Description(
      "Read only database rows changed since the last successful incremental run (--sources=rds), and merge them into the clean zone.")
  @Default.Boolean(false)
  @OptionGroup("Database source")
  Boolean getIncremental();

  void setIncremental(Boolean value);

  @Description(
      "Zones this run builds, in order: raw,clean,curated,consumption (default: all). A contiguous run of them; "
          + "raw and clean go together. E.g. curated,consumption rebuilds both from the existing clean zone.")
  @Default.String("raw,clean,curated,consumption")
  String getZones();

  void setZones(String value);

  @Description("Products per user in reorder_predictions.")
  @Default.Integer(10)
  Integer getTopN();

  void setTopN(Integer value);

  @Description(
      "A reorder model file written by train-model, instead of the model shipped in the jar.")
  String getReorderModel();

  void setReorderModel(String value);

  @Description(
      "Also write the consumption tables to this PostgreSQL database, schema analytics, replacing them in one transaction "
          + "(jdbc:postgresql://host:port/db).")
  @OptionGroup("Serving")
  String getServeJdbc();

  void setServeJdbc(String value);

  @Description("User for --serveJdbc.")
  @OptionGroup("Serving")
  String getServeJdbcUser();

  void setServeJdbcUser(String value);

  @Description("Environment variable that holds the password for --serveJdbc.")
  @Default.String("LAKEBEAM_SERVE_JDBC_PASSWORD")
  @OptionGroup("Serving")
  String getServeJdbcPasswordEnv();

  void setServeJdbcPasswordEnv(String value);
}
