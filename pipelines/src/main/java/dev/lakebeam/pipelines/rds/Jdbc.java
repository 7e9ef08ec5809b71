package dev.lakebeam.pipelines.rds;

import dev.lakebeam.pipelines.options.JdbcOptions;
import dev.lakebeam.pipelines.options.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/** Connections to the operational PostgreSQL database, with credentials kept out of sight. */
public final class Jdbc {
  private Jdbc() {}

  /** Opens a connection; fails with a message that names the database but never the password. */
  public static Connection connect(JdbcOptions o) throws SQLException {
    String url = o.getJdbcUrl();
    if (url == null || url.isBlank()) {
      throw new UsageException(
          "--jdbcUrl is required, e.g. --jdbcUrl=jdbc:postgresql://127.0.0.1:5432/shop");
    }
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new UsageException(
          "--jdbcUrl must be a PostgreSQL URL (jdbc:postgresql://host:port/db), was "
              + redact(url));
    }
    if (Boolean.TRUE.equals(o.getJdbcRequireTls())
        && !url.matches("(?s).*[?&]sslmode=verify-full(&.*)?$")) {
      throw new UsageException(
          "--jdbcRequireTls: the JDBC URL must ask for TLS with the server verified, e.g. "
              + "jdbc:postgresql://HOST:5432/DB?sslmode=verify-full&sslrootcert=/path/to/rds-ca-bundle.pem; was "
              + redact(url));
    }
    return connect(url, o.getJdbcUser(), password(o));
  }

  /**
   * Opens a connection to a PostgreSQL URL; the message of a failure names the database, never the
   * password.
   */
  public static Connection connect(String url, String user, String password) throws SQLException {
    Properties props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "lakebeam");
    props.setProperty("connectTimeout", "10");
    try {
      return DriverManager.getConnection(url, props);
    } catch (SQLException e) {
      throw new SQLException(
          "cannot connect to " + redact(url) + ": " + e.getMessage(), e.getSQLState(), e);
    }
  }

  static String password(JdbcOptions o) {
    if (o.getJdbcPasswordFile() != null) {
      try {
        List<String> lines =
            Files.readAllLines(Path.of(o.getJdbcPasswordFile()), StandardCharsets.UTF_8);
        return lines.isEmpty() ? "" : lines.get(0);
      } catch (IOException e) {
        throw new UsageException(
            "cannot read --jdbcPasswordFile " + o.getJdbcPasswordFile() + ": " + e.getMessage(), e);
      }
    }
    return System.getenv(o.getJdbcPasswordEnv());
  }

  /** The URL without any password parameter, for messages and manifests. */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
