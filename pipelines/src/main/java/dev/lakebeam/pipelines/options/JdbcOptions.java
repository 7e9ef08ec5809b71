package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How to reach the operational PostgreSQL database. The password never travels as an option: it is
 * read from the environment variable named by {@code --jdbcPasswordEnv} or from the file {@code
 * --jdbcPasswordFile}, so it stays out of profiles, logs and manifests.
 */
@OptionGroup("Database source")
public interface JdbcOptions extends PipelineOptions {
  @Description("JDBC URL of the PostgreSQL database, e.g. jdbc:postgresql://127.0.0.1:5432/shop.")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Database user; default: the user in the URL, if any.")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description("Name of the environment variable that holds the database password.")
  @Default.String("LAKEBEAM_JDBC_PASSWORD")
  String getJdbcPasswordEnv();

  void setJdbcPasswordEnv(String value);

  @Description("File whose first line is the database password (instead of the environment).")
  String getJdbcPasswordFile();

  void setJdbcPasswordFile(String value);

  @Description(
      "Refuse a --jdbcUrl without sslmode=verify-full: TLS, with the server's certificate checked against sslrootcert "
          + "and its host name against the certificate (the emr-backfill profile sets it).")
  @Default.Boolean(false)
  Boolean getJdbcRequireTls();

  void setJdbcRequireTls(Boolean value);
}
