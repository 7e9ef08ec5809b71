package dev.lakebeam.pipelines.backfill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.testing.BackfillRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A lake a run cannot write, the public development key on a lake that is not local, and a key
 * other than the one that made the lake's tokens: each refused before the run, with exit 2 and one
 * line that says why.
 */
public class LakeGuardTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final Path SAMPLE = Path.of("..", "sample-data", "files");

  private static BackfillRuns.Outcome run(String... args) {
    return BackfillRuns.run(args);
  }

  private static Path departmentsOnly() throws Exception {
    Path in = TMP.newFolder().toPath();
    Files.copy(SAMPLE.resolve("departments.csv"), in.resolve("departments.csv"));
    return in;
  }

  @Test
  public void aLakeThatCannotBeWrittenIsRefusedBeforeTheRun() throws Exception {
    Path input = departmentsOnly();
    BackfillRuns.Outcome hdfs =
        run("backfill", "--profile=direct", "--input=" + input, "--lake=hdfs://namenode/lake");
    assertEquals(hdfs.output(), 2, hdfs.code());
    assertThat(
        hdfs.output(),
        containsString(
            "--lake and the zones take file:// or s3:// URIs (or a local path); 'hdfs://' is not supported"));

    Path file = TMP.newFile("a-file").toPath();
    BackfillRuns.Outcome underFile =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input,
            "--lake=" + file.resolve("lake").toUri());
    assertEquals(underFile.output(), 2, underFile.code());
    assertThat(
        underFile.output(), containsString("cannot be a lake folder: " + file + " is a file"));
    assertThat("one line, no stack trace", underFile.output(), not(containsString("\tat ")));

    BackfillRuns.Outcome zone =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input,
            "--lake=" + TMP.newFolder().toURI(),
            "--cleanZone=gs://bucket/clean");
    assertEquals(zone.output(), 2, zone.code());
    assertThat(zone.output(), containsString("'gs://' is not supported"));

    // a folder this user cannot write: chmod for a normal user; root writes anywhere but a
    // read-only mount
    Path readOnly = TMP.newFolder("read-only").toPath();
    readOnly.toFile().setWritable(false, false);
    if (Files.isWritable(readOnly)) {
      readOnly = Path.of("/proc/sys");
    }
    Assume.assumeFalse("no folder here that this user cannot write", Files.isWritable(readOnly));
    BackfillRuns.Outcome denied =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input,
            "--lake=" + readOnly.resolve("lake").toUri());
    assertEquals(denied.output(), 2, denied.code());
    assertThat(
        denied.output(), containsString("cannot be written: " + readOnly + " is not writable"));
  }

  @Test
  public void aFailingRunWhoseManifestCannotBeWrittenStillShowsItsFirstCause() throws Exception {
    Path input = departmentsOnly();
    Files.writeString(
        input.resolve("aisles.csv"),
        "aisle_id,aisle\nx,y\n"); // 1 of 1 aisles rejected: over the budget
    Path lake = TMP.newFolder().toPath();
    Files.writeString(lake.resolve("_manifests"), "a file where the manifests' folder should be");
    BackfillRuns.Outcome r =
        run(
            "backfill",
            "--profile=direct",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--zones=raw,clean");
    assertEquals(r.output(), 1, r.code());
    assertThat(r.output(), containsString("failed: reject budget exceeded"));
    assertThat(r.output(), containsString("also: the manifest could not be written either"));
    assertTrue(
        "the cause first",
        r.output().indexOf("reject budget exceeded")
            < r.output().indexOf("manifest could not be written"));
    assertThat("no stack trace without LAKEBEAM_DEBUG", r.output(), not(containsString("\tat ")));
  }

  @Test
  public void theDevelopmentKeyIsRefusedForALakeThatIsNotLocal() throws Exception {
    BackfillRuns.Outcome s3 =
        run(
            "backfill",
            "--profile=local",
            "--input=" + departmentsOnly(),
            "--lake=s3://some-bucket/lake",
            "--hmacKeyEnv=LAKEBEAM_NO_SUCH_VARIABLE");
    assertEquals(s3.output(), 2, s3.code());
    assertThat(
        s3.output(),
        containsString("the public development key is only for a lake on this machine's disk"));
    BackfillRuns.Outcome zone =
        run(
            "backfill",
            "--profile=local",
            "--input=" + departmentsOnly(),
            "--lake=" + TMP.newFolder().toURI(),
            "--cleanZone=s3://some-bucket/clean",
            "--hmacKeyEnv=LAKEBEAM_NO_SUCH_VARIABLE");
    assertEquals(zone.output(), 2, zone.code());
  }

  @Test
  public void aRunWithAnotherKeyThanTheLakesIsRefused() throws Exception {
    Path lake = TMP.newFolder("lake").toPath();
    Path input = departmentsOnly();
    BackfillRuns.Outcome first =
        run(
            "backfill",
            "--profile=direct",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY");
    assertEquals(first.output(), 0, first.code());
    JsonNode manifest;
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      manifest = new ObjectMapper().readTree(s.findFirst().orElseThrow().toFile());
    }
    String fingerprint = manifest.get("key_fingerprint").asText();
    assertEquals(16, fingerprint.length());
    String key = System.getenv("LAKEBEAM_TEST_HMAC_KEY");
    assertFalse("the manifest never holds the key", manifest.toString().contains(key));

    // The same lake with the development key: refused before anything is written.
    BackfillRuns.Outcome other =
        run(
            "backfill",
            "--profile=direct",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--hmacKeyEnv=LAKEBEAM_NO_SUCH_VARIABLE");
    assertEquals(other.output(), 2, other.code());
    assertThat(
        other.output(),
        containsString(
            "backfill refused: this lake's PII tokens were made with another HMAC key (key fingerprint "
                + fingerprint
                + " in run "
                + manifest.get("run_id").asText()
                + "; this key's is "));
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      assertEquals("no manifest of a refused run", 1, s.count());
    }

    // The lake's key again: accepted.
    BackfillRuns.Outcome same =
        run(
            "backfill",
            "--profile=direct",
            "--zones=raw,clean",
            "--progressSeconds=0",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--hmacKeyEnv=LAKEBEAM_TEST_HMAC_KEY");
    assertEquals(same.output(), 0, same.code());
  }
}
