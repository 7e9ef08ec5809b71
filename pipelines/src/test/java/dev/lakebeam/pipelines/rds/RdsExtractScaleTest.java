package dev.lakebeam.pipelines.rds;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;

import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.testing.PostgresHarness;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A partitioned, streamed read of a table of over a million order lines, on FlinkRunner [local].
 */
public class RdsExtractScaleTest {
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  static final class CountFn extends DoFn<Row, Void> {
    @ProcessElement
    public void process(@Element Row r) {
      Metrics.counter("scale", "rows").inc();
    }
  }

  @Test
  public void aMillionOrderLinesAreReadInPartitionsAndNoneIsLost() throws Exception {
    Path out = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(out, 120_000, 5L, 5_000, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    long expected;
    try (Connection c = PG.connect()) {
      new RdsSeeder(
              c,
              out.resolve("files"),
              OrderTimestamps.DEFAULT_AS_OF,
              new PrintStream(new ByteArrayOutputStream()))
          .seed();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM shop.order_lines")) {
        rs.next();
        expected = rs.getLong(1);
      }
    }
    assertThat(expected, greaterThanOrEqualTo(1_000_000L));

    BackfillOptions o =
        PipelineOptionsFactory.fromArgs("--jdbcUrl=" + PG.url()).as(BackfillOptions.class);
    FlinkPipelineOptions flink = o.as(FlinkPipelineOptions.class);
    flink.setRunner(FlinkRunner.class);
    flink.setFlinkMaster("[local]");
    flink.setParallelism(2);
    Pipeline p = Pipeline.create(o);
    RdsExtract extract;
    try (Connection c = PG.connect()) {
      extract =
          RdsExtract.plan(c, o, new RdsTable(SourceDataset.ORDER_LINES), 8, null, null, 10_000);
    }
    p.apply(extract).apply(ParDo.of(new CountFn()));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(expected, counter(result, "scale", "rows"));

    // Again, while the server kills the reading sessions three times: every row, exactly once.
    Pipeline again = Pipeline.create(o);
    try (Connection c = PG.connect()) {
      extract =
          RdsExtract.plan(c, o, new RdsTable(SourceDataset.ORDER_LINES), 4, null, null, 500)
              .withRetries(6, 200);
    }
    again.apply(extract).apply(ParDo.of(new CountFn()));
    Thread killer =
        new Thread(
            () -> {
              try (Connection admin = PG.connect();
                  Statement st = admin.createStatement()) {
                // A streaming cursor read is mostly "idle in transaction" between fetches: kill
                // those too.
                long deadline = System.currentTimeMillis() + 120_000;
                for (int kills = 0; kills < 3 && System.currentTimeMillis() < deadline; ) {
                  Thread.sleep(50);
                  try (ResultSet rs =
                      st.executeQuery(
                          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'lakebeam' "
                              + "AND state IN ('active', 'idle in transaction') AND query LIKE '%shop.order_lines%' "
                              + "AND pid <> pg_backend_pid()")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                      kills++;
                      Thread.sleep(700);
                    }
                  }
                }
              } catch (Exception e) {
                // the read finished before three kills: the assertions below tell
              }
            });
    killer.setDaemon(true);
    killer.start();
    PipelineResult faulty = again.run();
    faulty.waitUntilFinish();
    killer.interrupt();
    assertEquals("rows read despite lost connections", expected, counter(faulty, "scale", "rows"));
    assertThat(
        "the read was interrupted and resumed",
        counter(faulty, "lakebeam", "rds.retries.order_lines"),
        greaterThanOrEqualTo(1L));
  }

  private static long counter(PipelineResult result, String namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> m :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(namespace, name))
                    .build())
            .getCounters()) {
      sum += m.getAttempted();
    }
    return sum;
  }
}
