package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.lake.LakeUpgradeTest;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.S3ProxyHarness;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.tools.generate.Generator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The backfill with input and zones on s3://, against a real S3-API server (s3proxy). */
public class S3BackfillTest {
  @ClassRule public static final S3ProxyHarness S3 = new S3ProxyHarness();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  @Test
  public void s3ZonesHoldTheSameCleanRowsAsALocalRunAndRerunsAreIdentical() throws Exception {
    Path gen = TMP.newFolder("gen").toPath();
    new Generator(
            new Generator.Config(gen, 150, 21L, 200, OrderTimestamps.DEFAULT_AS_OF),
            new PrintStream(new ByteArrayOutputStream()))
        .run();
    Path files = gen.resolve("files");
    try (S3Client s3 = S3.client()) {
      s3.createBucket(b -> b.bucket("lake"));
      try (Stream<Path> s = Files.list(files)) {
        for (Path f : s.toList()) {
          s3.putObject(
              b -> b.bucket("lake").key("input/" + f.getFileName()), RequestBody.fromFile(f));
        }
      }
      List<String> args =
          new ArrayList<>(
              List.of(
                  "backfill",
                  "--profile=local",
                  "--parallelism=2",
                  "--input=s3://lake/input/",
                  "--lake=s3://lake/lb",
                  "--zones=raw,clean,curated,consumption",
                  "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY")); // the development key is for local lakes
      // only
      args.addAll(S3.beamOptions());
      BackfillTest.run(args.toArray(String[]::new));
      List<String> keys = keys(s3, "lb/");
      assertFalse(
          "no staging objects left",
          keys.stream().anyMatch(k -> k.contains("_staging") || k.contains(".temp-beam")));
      assertTrue(
          keys.stream().anyMatch(k -> k.startsWith("lb/_manifests/") && k.endsWith(".json")));
      assertThat(
          keys,
          hasItem(
              "lb/raw/files/orders/ingest_date="
                  + LocalDate.now(ZoneOffset.UTC)
                  + "/orders.csv.gz"));

      // Download the clean zone and compare it with a run on local disk.
      Path fromS3 = TMP.newFolder("from-s3").toPath();
      for (String k : keys) {
        if (k.startsWith("lb/clean/")
            || k.startsWith("lb/curated/")
            || k.startsWith("lb/consumption/")) {
          Path dst = fromS3.resolve(k.substring("lb/".length()));
          Files.createDirectories(dst.getParent());
          s3.getObject(b -> b.bucket("lake").key(k), dst);
        }
      }
      Path local = TMP.newFolder("local").toPath();
      BackfillTest.run(
          "backfill",
          "--profile=local",
          "--parallelism=2",
          "--input=" + files,
          "--lake=" + local.toUri(),
          "--zones=raw,clean,curated,consumption",
          "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY");
      for (String d :
          List.of("products", "customers", "orders", "order_lines", "click_events", "feedback")) {
        List<String> a = BackfillTest.rows(fromS3, d);
        assertFalse(d, a.isEmpty());
        // _source_ref is file:line without the folder, so rows from both inputs compare equal.
        assertEquals(d, BackfillTest.rows(local, d), a);
      }

      // Curated and consumption on S3 equal the local run's too.
      for (String d :
          List.of(
              "curated/order_lines_enriched",
              "curated/user_features/as_of=2025-06-30",
              "consumption/daily_department_sales",
              "consumption/product_performance",
              "consumption/customer_segments",
              "consumption/reorder_predictions")) {
        String zone = d.substring(0, d.indexOf('/'));
        List<String> a = BackfillTest.rows(fromS3, zone, d.substring(zone.length() + 1));
        assertFalse(d, a.isEmpty());
        assertEquals(d, BackfillTest.rows(local, zone, d.substring(zone.length() + 1)), a);
      }

      // Rerun: the same objects in the clean zone.
      List<String> cleanBefore = keys.stream().filter(k -> k.startsWith("lb/clean/")).toList();
      BackfillTest.run(args.toArray(String[]::new));
      assertEquals(cleanBefore, keys(s3, "lb/clean/"));

      // upgrade on s3://: a product file an older version wrote (price as a double) is rewritten in
      // place
      Path old = TMP.newFolder("old").toPath().resolve("old.parquet");
      LakeUpgradeTest.write(
          old,
          LakeSchemas.versions(Dataset.PRODUCTS.schemaPath()).get(0),
          List.of(LakeUpgradeTest.oldProduct(999_999, 2.675, 0L)));
      s3.putObject(
          b -> b.bucket("lake").key("lb/clean/products/part-old.parquet"),
          RequestBody.fromFile(old));
      List<String> upgrade = new ArrayList<>(List.of("upgrade", "--lake=s3://lake/lb"));
      upgrade.addAll(S3.beamOptions());
      assertThat(
          BackfillTest.run(upgrade.toArray(String[]::new)),
          containsString("clean/products: rewrote 1 of 2 files (1 rows) to schema v2"));
      Path back = TMP.newFolder("back").toPath().resolve("part-old.parquet");
      s3.getObject(b -> b.bucket("lake").key("lb/clean/products/part-old.parquet"), back);
      GenericRecord product = Lake.readFile(back).get(0);
      assertEquals(new BigDecimal("2.68"), product.get("unit_price"));
      assertEquals(2, product.get("_schema_version"));
      assertFalse(
          "no scratch object left", keys(s3, "lb/").stream().anyMatch(k -> k.contains("_upgrade")));
      assertThat(BackfillTest.run(upgrade.toArray(String[]::new)), containsString("0 to rewrite"));
    }
  }

  private static List<String> keys(S3Client s3, String prefix) {
    List<String> out = new ArrayList<>();
    for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket("lake").prefix(prefix)).contents()) {
      out.add(o.key());
    }
    out.sort(null);
    return out;
  }
}
