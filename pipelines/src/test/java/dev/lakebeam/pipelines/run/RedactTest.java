package dev.lakebeam.pipelines.run;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class RedactTest {
  @Test
  public void secretsAreMaskedAndNamesOfVariablesAreKept() {
    assertEquals(
        "***", RunReport.redactOption("awsCredentialsProvider", "{\"secretAccessKey\":\"s\"}"));
    assertEquals("***", RunReport.redactOption("jdbcPassword", "p"));
    assertEquals(
        "LAKEBEAM_JDBC_PASSWORD",
        RunReport.redactOption("jdbcPasswordEnv", "LAKEBEAM_JDBC_PASSWORD"));
    assertEquals(
        "jdbc:postgresql://h/db?user=u&password=***",
        RunReport.redactOption("jdbcUrl", "jdbc:postgresql://h/db?user=u&password=p"));
    assertEquals("true", RunReport.redactOption("allowDevHmacKey", "true"));
    assertEquals("LAKEBEAM_HMAC_KEY", RunReport.redactOption("hmacKeyEnv", "LAKEBEAM_HMAC_KEY"));
  }
}
