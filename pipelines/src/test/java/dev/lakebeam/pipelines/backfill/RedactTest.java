package dev.lakebeam.pipelines.backfill;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class RedactTest {
  @Test
  public void secretsAreMaskedAndNamesOfVariablesAreKept() {
    assertEquals("***", Backfill.redactOption("awsCredentialsProvider", "{\"secretAccessKey\":\"s\"}"));
    assertEquals("***", Backfill.redactOption("jdbcPassword", "p"));
    assertEquals("LAKEBEAM_JDBC_PASSWORD", Backfill.redactOption("jdbcPasswordEnv", "LAKEBEAM_JDBC_PASSWORD"));
    assertEquals("jdbc:postgresql://h/db?user=u&password=***", Backfill.redactOption("jdbcUrl", "jdbc:postgresql://h/db?user=u&password=p"));
    assertEquals("true", Backfill.redactOption("allowDevHmacKey", "true"));
    assertEquals("LAKEBEAM_HMAC_KEY", Backfill.redactOption("hmacKeyEnv", "LAKEBEAM_HMAC_KEY"));
  }
}
