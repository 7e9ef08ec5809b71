package dev.lakebeam.pipelines.faults;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.pipelines.testing.CuttableLink;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.S3ProxyHarness;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3 becomes unreachable in the middle of a backfill whose input and zones are on S3 (s3proxy
 * behind a {@link CuttableLink}: every connection reset and new ones refused once the run has
 * started writing its clean files; restored afterwards, with the server's objects intact, as after
 * an outage of the service): the run fails; nothing of it is visible in clean (only its staging
 * folder, which readers skip, holds partial files); the rerun is complete and its clean zone is the
 * one of an uninterrupted run, row for row.
 */
public class S3OutageTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final S3ProxyHarness S3 = new S3ProxyHarness();
  private static CuttableLink link;

  private static final List<String> DATASETS =
      List.of("departments", "aisles", "products", "orders", "order_lines");

  @Test
  public void s3UnreachableMidWriteFailsTheRunWithNothingVisibleAndTheRerunIsComplete()
      throws Exception {
    link =
        new CuttableLink(
            Integer.parseInt(S3.endpoint().substring(S3.endpoint().lastIndexOf(':') + 1)));
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 300, 23L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    try (S3Client s3 = S3.client()) {
      s3.createBucket(b -> b.bucket("lake"));
      try (Stream<Path> s = Files.list(gen.resolve("files"))) {
        for (Path f : s.toList()) {
          s3.putObject(
              b -> b.bucket("lake").key("input/" + f.getFileName()), RequestBody.fromFile(f));
        }
      }
      BackfillRuns.ok(backfill("s3://lake/uninterrupted"));

      CompletableFuture<BackfillRuns.Outcome> run =
          CompletableFuture.supplyAsync(() -> BackfillRuns.run(backfill("s3://lake/lb")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!run.isDone()
          && System.nanoTime() < deadline
          && keys(s3, "lb/clean/_staging/").isEmpty()) {
        Thread.sleep(100);
      }
      assertTrue(
          "the run wrote no staging file to stop in the middle of",
          !keys(s3, "lb/clean/_staging/").isEmpty());
      link.cut();
      BackfillRuns.Outcome failed = run.get(10, TimeUnit.MINUTES);
      link.restore();
      assertNotEquals(failed.output(), 0, failed.code());
      List<String> visible =
          keys(s3, "lb/clean/").stream().filter(k -> !k.startsWith("lb/clean/_staging/")).toList();
      assertEquals(
          "clean objects of the failed run outside its staging folder", List.of(), visible);
      System.out.println(
          "S3OutageTest: the run failed with "
              + keys(s3, "lb/clean/_staging/").size()
              + " staging objects and nothing in clean");

      BackfillRuns.ok(backfill("s3://lake/lb"));
      Path want = download(s3, "uninterrupted/");
      Path got = download(s3, "lb/");
      for (String d : DATASETS) {
        List<String> rows = Lake.rows(want.resolve("clean").resolve(d), Lake.RUN_COLUMNS);
        assertTrue(d + " has rows", !rows.isEmpty());
        assertEquals(d, rows, Lake.rows(got.resolve("clean").resolve(d), Lake.RUN_COLUMNS));
      }
    }
  }

  private static String[] backfill(String lake) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "backfill",
                "--profile=local",
                "--parallelism=2",
                "--progressSeconds=0",
                "--input=s3://lake/input/",
                "--lake=" + lake,
                "--zones=raw,clean",
                "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY")); // the development key is for local lakes
    // only
    for (String o : S3.beamOptions()) {
      args.add(o.startsWith("--endpoint=") ? "--endpoint=http://127.0.0.1:" + link.port() : o);
    }
    return args.toArray(String[]::new);
  }

  private static List<String> keys(S3Client s3, String prefix) {
    return s3.listObjectsV2Paginator(b -> b.bucket("lake").prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  /** The clean zone under a prefix, on local disk (staging folders left out, as readers do). */
  private static Path download(S3Client s3, String prefix) throws Exception {
    Path out = TMP.newFolder().toPath();
    for (String k : keys(s3, prefix + "clean/")) {
      if (!k.contains("/_staging/")) {
        Path dst = out.resolve(k.substring(prefix.length()));
        Files.createDirectories(dst.getParent());
        s3.getObject(b -> b.bucket("lake").key(k), dst);
      }
    }
    return out;
  }
}
