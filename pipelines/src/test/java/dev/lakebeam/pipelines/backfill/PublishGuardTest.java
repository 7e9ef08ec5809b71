package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import dev.lakebeam.pipelines.testing.BackfillRuns;
import dev.lakebeam.pipelines.testing.Lake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Publishing never destroys data silently: a source file without records is an error before the
 * run, and a rerun that would replace published clean data with far fewer rows fails before it
 * publishes anything, leaving the lake byte for byte as it was, unless the user says so.
 */
public class PublishGuardTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final Path SAMPLE = Path.of("..", "sample-data", "files");
  private static final Path BAD = Path.of("..", "sample-data", "bad");

  private static BackfillRuns.Outcome run(String... args) {
    return BackfillRuns.run(args);
  }

  /** The sample's departments, aisles, products, orders and order lines, with one file replaced. */
  private static Path input(String name, Path replacement) throws Exception {
    Path in = TMP.newFolder().toPath();
    for (String f :
        List.of(
            "departments.csv",
            "aisles.csv",
            "products.csv",
            "orders.csv",
            "order_products__prior.csv",
            "order_products__train.csv")) {
      Files.copy(SAMPLE.resolve(f), in.resolve(f));
    }
    if (replacement != null) {
      Files.copy(replacement, in.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
    return in;
  }

  /** Every file of a zone folder with a digest of its bytes. */
  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        out.put(
            dir.relativize(f).toString(),
            HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  @Test
  public void aSourceFileWithoutRecordsIsAnErrorBeforeTheRun() throws Exception {
    Map<String, String> cases =
        Map.of(
            "13-empty.orders.csv", "orders.csv is empty (0 bytes)",
            "14-header-only.order_products.csv",
                "order_products__prior.csv holds a header and no record");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      String target = c.getKey().startsWith("13") ? "orders.csv" : "order_products__prior.csv";
      Path lake = TMP.newFolder().toPath().resolve("lake");
      BackfillRuns.Outcome r =
          run(
              "backfill",
              "--profile=local",
              "--zones=raw,clean",
              "--input=" + input(target, BAD.resolve(c.getKey())),
              "--lake=" + lake.toUri());
      assertEquals(r.output(), 1, r.code());
      assertThat(r.output(), containsString(c.getValue()));
      assertThat(r.output(), containsString("--allowEmptyFiles accepts it"));
      assertFalse("nothing written: " + lake, Files.exists(lake));
    }
  }

  @Test
  public void aRerunThatWouldEmptyPublishedDataFailsAndLeavesTheLakeAsItWas() throws Exception {
    Path lake = TMP.newFolder("lake").toPath();
    BackfillRuns.Outcome first =
        run(
            "backfill",
            "--profile=local",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--input=" + input(null, null),
            "--lake=" + lake.toUri());
    assertEquals(first.output(), 0, first.code());
    Map<String, String> before = files(lake.resolve("clean"));

    // The orders file emptied (header only) and passed anyway: every line would be
    // UNKNOWN_REFERENCE.
    // The reject budget (5 %) would stop that first; it is lifted to test the shrink guard alone.
    Path headerOnly = TMP.newFile("orders.csv").toPath();
    Files.writeString(headerOnly, Files.readAllLines(SAMPLE.resolve("orders.csv")).get(0) + "\n");
    BackfillRuns.Outcome rerun =
        run(
            "backfill",
            "--profile=local",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--allowEmptyFiles",
            "--maxRejectRatio=1",
            "--input=" + input("orders.csv", headerOnly),
            "--lake=" + lake.toUri());
    assertEquals(rerun.output(), 1, rerun.code());
    assertThat(
        rerun.output(),
        containsString(
            "this run would replace published data with far fewer rows: "
                + "clean/orders would go from 3,000 rows to 0; clean/order_lines would go from 26,241 rows to 0; "
                + "nothing was published (the lake is as it was). If that is meant, rerun with --allowShrink"));
    Map<String, String> after = files(lake.resolve("clean"));
    assertEquals("the clean zone, file for file", before, after);

    BackfillRuns.Outcome forced =
        run(
            "backfill",
            "--profile=local",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--allowEmptyFiles",
            "--allowShrink",
            "--maxRejectRatio=1",
            "--input=" + input("orders.csv", headerOnly),
            "--lake=" + lake.toUri());
    assertEquals(forced.output(), 0, forced.code());
    assertEquals(0, Lake.read(lake.resolve("clean/orders")).size());
    assertEquals(1_500, Lake.read(lake.resolve("clean/products")).size());
  }
}
