package dev.lakebeam.pipelines.faults;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.OwnPostgres;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * PostgreSQL stopped in the middle of an RDS backfill (a server of the test's own, stopped with
 * {@code pg_ctl stop -m fast}, while a read is under way: the test holds a lock on shop.feedback so
 * the run's read of it is waiting when the server goes). Back within the retries, the run rides the
 * outage out; down for longer, the run fails after its bounded, backed-off retries with a clear
 * message and publishes nothing; the rerun once the server is back gives exactly the data of an
 * uninterrupted run.
 */
public class RdsOutageTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final OwnPostgres PG = new OwnPostgres();

  private static final List<String> DATASETS =
      List.of(
          "departments", "aisles", "products", "customers", "orders", "order_lines", "feedback");

  @Test
  public void shortOutagesAreRiddenOutLongOnesFailClearlyAndTheRerunIsComplete() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 200, 17L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    BackfillRuns.ok("seed-rds", "--input=" + gen.resolve("files"), "--jdbcUrl=" + PG.url());
    Path uninterrupted = TMP.newFolder("uninterrupted").toPath();
    BackfillRuns.ok(backfill(uninterrupted));

    // Down for longer than the retries (1 + 2 + 4 + 8 s of backoff, 5 attempts).
    Path lake = TMP.newFolder("outage").toPath();
    CompletableFuture<BackfillRuns.Outcome> run = whileFeedbackReadWaits(lake);
    long stopped = System.nanoTime();
    PG.stop();
    BackfillRuns.Outcome failed = run.get(3, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - stopped) / 1e9;
    assertEquals(failed.output(), 1, failed.code());
    assertThat(failed.output(), containsString("reading shop.feedback failed after 5 attempt(s)"));
    assertThat("the retries backed off before giving up", seconds, greaterThanOrEqualTo(15.0));
    assertEquals("FAILED", BackfillRuns.manifest(lake).get("status").asText());
    for (String d : DATASETS) {
      assertFalse(d + " published by a failed run", Files.exists(lake.resolve("clean").resolve(d)));
    }
    System.out.printf(
        "RdsOutageTest: server down for good: the run failed %.1f s after the stop%n", seconds);

    // Back up: the rerun is complete and equals the uninterrupted run.
    PG.start();
    BackfillRuns.ok(backfill(lake));
    assertSameClean(uninterrupted, lake);

    // Down for 3 s, within the retries: the run rides it out, complete.
    Path brief = TMP.newFolder("brief").toPath();
    run = whileFeedbackReadWaits(brief);
    PG.stop();
    Thread.sleep(3000);
    PG.start();
    BackfillRuns.Outcome riddenOut = run.get(3, TimeUnit.MINUTES);
    // The read was waiting when the server went, so it was cut: success means it was retried.
    assertEquals(riddenOut.output(), 0, riddenOut.code());
    assertSameClean(uninterrupted, brief);
  }

  private static String[] backfill(Path lake) {
    return new String[] {
      "backfill",
      "--profile=direct",
      "--sources=rds",
      "--jdbcUrl=" + PG.url(),
      "--lake=" + lake.toUri(),
      "--zones=raw,clean",
      "--progressSeconds=0"
    };
  }

  /** Starts a backfill and returns once its read of shop.feedback is waiting on the test's lock. */
  private static CompletableFuture<BackfillRuns.Outcome> whileFeedbackReadWaits(Path lake)
      throws Exception {
    Connection locker = DriverManager.getConnection(PG.url());
    locker.setAutoCommit(false);
    try (Statement st = locker.createStatement()) {
      st.execute("LOCK TABLE shop.feedback IN ACCESS EXCLUSIVE MODE");
    }
    CompletableFuture<BackfillRuns.Outcome> run =
        CompletableFuture.supplyAsync(() -> BackfillRuns.run(backfill(lake)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    boolean waiting = false;
    while (!waiting && !run.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      try (Connection c = DriverManager.getConnection(PG.url());
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lakebeam' "
                      + "AND wait_event_type = 'Lock' AND query LIKE '%shop.feedback%'")) {
        rs.next();
        waiting = rs.getInt(1) > 0;
      }
    }
    assertTrue(
        "the run's read of shop.feedback never waited on the lock"
            + (run.isDone() ? ": " + run.get().output() : ""),
        waiting);
    return run.whenComplete(
        (r, e) -> {
          try {
            locker.close();
          } catch (Exception ignored) {
            // the server ended the session
          }
        });
  }

  private static void assertSameClean(Path want, Path got) throws Exception {
    for (String d : DATASETS) {
      assertEquals(
          d,
          Lake.rows(want.resolve("clean").resolve(d), Lake.RUN_COLUMNS),
          Lake.rows(got.resolve("clean").resolve(d), Lake.RUN_COLUMNS));
    }
  }
}
