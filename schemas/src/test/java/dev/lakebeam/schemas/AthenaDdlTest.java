package dev.lakebeam.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.junit.Test;

public class AthenaDdlTest {
  private final AthenaDdl ddl = new AthenaDdl("lakebeam", z -> "s3://my-lake/" + z.dir());

  @Test
  public void oneTablePerDatasetWithItsColumnsInOrder() {
    List<String> statements = ddl.statements();
    assertEquals(1 + Dataset.values().length, statements.size());
    for (Dataset d : Dataset.values()) {
      String stmt = ddl.table(d);
      assertThat(stmt, containsString("`lakebeam`.`" + AthenaDdl.tableName(d) + "`"));
      List<String> cols = columns(stmt);
      List<String> expected = d.avroSchema().getFields().stream().map(Schema.Field::name).toList();
      assertEquals(d.name(), expected, cols);
      assertThat(stmt, containsString("STORED AS PARQUET"));
      assertTrue(stmt.trim().endsWith(");"));
      assertEquals("balanced parentheses in " + d, count(stmt, '('), count(stmt, ')'));
    }
  }

  @Test
  public void eventDatePartitionsAreProjected() {
    String stmt = ddl.table(Dataset.ORDER_LINES);
    assertThat(
        stmt,
        containsString(
            "PARTITIONED BY (`year` string COMMENT 'UTC year of order_ts (4 digits).', `month` string"));
    assertThat(stmt, containsString("'projection.enabled'='true'"));
    assertThat(stmt, containsString("LOCATION 's3://my-lake/clean/order_lines/'"));
    assertThat(
        stmt,
        containsString(
            "'storage.location.template'='s3://my-lake/clean/order_lines/year=${year}/month=${month}/day=${day}/'"));
    assertThat(ddl.table(Dataset.PRODUCTS), not(containsString("PARTITIONED BY")));
    assertThat(
        ddl.table(Dataset.USER_FEATURES),
        containsString("PARTITIONED BY (`as_of` string COMMENT '"));
    assertThat(
        ddl.table(Dataset.REJECTS), containsString("LOCATION 's3://my-lake/clean/_rejected/'"));
  }

  @Test
  public void typesFollowTheAvroLogicalTypes() {
    String orders = ddl.table(Dataset.ORDERS);
    assertThat(orders, containsString("`order_ts` timestamp"));
    assertThat(orders, containsString("`days_since_prior_order` int"));
    assertThat(ddl.table(Dataset.DAILY_DEPARTMENT_SALES), containsString("`date` date"));
    assertThat(ddl.table(Dataset.PRODUCT_FEATURES), containsString("`orders` bigint"));
    assertThat(ddl.table(Dataset.USER_PRODUCT_FEATURES), containsString("`in_last_order` boolean"));
  }

  @Test
  public void everyColumnSaysWhatItHoldsInAComment() {
    for (Dataset d : Dataset.values()) {
      List<AthenaDdl.Column> all = new ArrayList<>(AthenaDdl.columns(d));
      all.addAll(AthenaDdl.partitionColumns(d));
      for (AthenaDdl.Column c : all) {
        assertTrue(
            d + "." + c.name() + " has no doc in its schema", c.comment().trim().length() > 10);
        assertThat(
            ddl.table(d),
            containsString(
                "`"
                    + c.name()
                    + "` "
                    + c.type()
                    + " COMMENT '"
                    + AthenaDdl.quote(c.comment())
                    + "'"));
      }
      assertThat(ddl.table(d), containsString("\nCOMMENT '"));
    }
    assertThat(
        ddl.table(Dataset.DAILY_DEPARTMENT_SALES),
        containsString("`orders` bigint COMMENT 'Distinct orders with at least one line"));
    assertEquals("it\u2019s", AthenaDdl.quote("it's"));
  }

  @Test
  public void warnsWhenAZoneIsNotOnS3() {
    String script = new AthenaDdl("lakebeam", z -> "file:///tmp/lake/" + z.dir()).script();
    assertThat(
        script, containsString("-- note: the clean zone (file:///tmp/lake/clean) is not on S3"));
  }

  @Test(expected = IllegalArgumentException.class)
  public void refusesADatabaseNameAthenaWouldNot() {
    new AthenaDdl("my-db; DROP", z -> "s3://x");
  }

  private static List<String> columns(String stmt) {
    String body = stmt.substring(stmt.indexOf("(\n") + 2, stmt.indexOf("\n)\n"));
    Matcher m = Pattern.compile("^  `([^`]+)` ", Pattern.MULTILINE).matcher(body);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static long count(String s, char c) {
    return s.chars().filter(x -> x == c).count();
  }
}
