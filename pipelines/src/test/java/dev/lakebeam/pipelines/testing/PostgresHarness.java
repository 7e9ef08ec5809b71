package dev.lakebeam.pipelines.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.rules.ExternalResource;

/**
 * A real PostgreSQL database of its own for a test class. With {@code LAKEBEAM_TEST_JDBC_URL} set
 * (as .ci/run does, for the server on 127.0.0.1:5432) a fresh database is created on that server;
 * without it an embedded PostgreSQL 15 is started (io.zonky.test), so the tests also run on a
 * machine with no server. The database is dropped afterwards.
 */
public final class PostgresHarness extends ExternalResource {
  public static final String ENV = "LAKEBEAM_TEST_JDBC_URL";

  private EmbeddedPostgres embedded;
  private String adminUrl;
  private String database;
  private String url;

  @Override
  protected void before() throws Throwable {
    String given = System.getenv(ENV);
    if (given != null && !given.isBlank()) {
      adminUrl = given;
    } else {
      embedded = EmbeddedPostgres.builder().start();
      adminUrl = embedded.getJdbcUrl("postgres", "postgres");
    }
    database =
        "lakebeam_t"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                .toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + database);
    }
    url = withDatabase(adminUrl, database);
  }

  @Override
  protected void after() {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop test database " + database + ": " + e.getMessage());
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        System.err.println("could not stop embedded PostgreSQL: " + e.getMessage());
      }
    }
  }

  /** JDBC URL of this test's own database (user in the URL, trust or embedded auth). */
  public String url() {
    return url;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  /** Replaces the database name in a jdbc:postgresql://host:port/db?params URL. */
  static String withDatabase(String jdbcUrl, String db) {
    int hostStart = jdbcUrl.indexOf("//") + 2;
    int slash = jdbcUrl.indexOf('/', hostStart);
    int q = jdbcUrl.indexOf('?', hostStart);
    String prefix =
        slash < 0 || (q >= 0 && slash > q)
            ? jdbcUrl.substring(0, q < 0 ? jdbcUrl.length() : q)
            : jdbcUrl.substring(0, slash);
    String params = q < 0 ? "" : jdbcUrl.substring(q);
    return prefix + "/" + db + params;
  }
}
