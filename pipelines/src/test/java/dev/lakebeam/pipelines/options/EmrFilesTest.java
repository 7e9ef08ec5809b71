package dev.lakebeam.pipelines.options;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.rds.Jdbc;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.Assert;
import org.junit.Test;

/**
 * The EMR deployment files in runner-profiles/emr/ are valid: the JSON parses, every lakebeam
 * command in a step is accepted by the CLI's own option parser with its EMR profile, the submit
 * script is valid bash and refuses bad usage, the Flink configuration turns on incremental RocksDB
 * checkpoints on S3, and the IAM policy grants writes only to the lake's zones, the streams and the
 * key the profiles name (no "*" resource).
 */
public class EmrFilesTest {
  private static final Path EMR = Path.of("..", "runner-profiles", "emr");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Profiles PROFILES = new Profiles(List.of(Path.of("..", "runner-profiles")));
  private static final String SUBMIT = "/home/hadoop/lakebeam-submit.sh";

  private static JsonNode read(String name) throws Exception {
    return JSON.readTree(EMR.resolve(name).toFile());
  }

  /** Step files: the lakebeam commands they run, as (flink run options, lakebeam arguments). */
  private static List<List<List<String>>> lakebeamSteps(JsonNode steps) {
    List<List<List<String>>> out = new ArrayList<>();
    for (JsonNode step : steps) {
      assertTrue(step.toString(), step.hasNonNull("Name"));
      assertEquals("CUSTOM_JAR", step.get("Type").asText());
      assertEquals("command-runner.jar", step.get("Jar").asText());
      assertTrue(
          Set.of("CONTINUE", "CANCEL_AND_WAIT", "TERMINATE_CLUSTER")
              .contains(step.get("ActionOnFailure").asText()));
      List<String> args = new ArrayList<>();
      step.get("Args").forEach(a -> args.add(a.asText()));
      assertFalse(args.isEmpty());
      if (args.size() > 1 && args.get(0).equals("bash") && args.get(1).equals(SUBMIT)) {
        assertThat(args.get(2), startsWith("s3://"));
        assertTrue(args.get(2), args.get(2).endsWith("/lakebeam.jar"));
        int sep = args.indexOf("--");
        assertTrue("no -- before the lakebeam command in " + args, sep > 3);
        out.add(List.of(args.subList(4, sep), args.subList(sep + 1, args.size())));
      }
    }
    return out;
  }

  private static OptionParser.Parsed parse(List<String> lakebeamArgs) {
    Command command =
        Command.find(lakebeamArgs.get(0))
            .orElseThrow(() -> new AssertionError("no command " + lakebeamArgs.get(0)));
    return new OptionParser(PROFILES).parse(command, lakebeamArgs.subList(1, lakebeamArgs.size()));
  }

  @Test
  public void everyJsonFileParses() throws Exception {
    try (Stream<Path> s = Files.list(EMR)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".json")).toList();
      assertEquals(5, files.size());
      for (Path f : files) {
        assertTrue(f.toString(), JSON.readTree(f.toFile()).size() > 0);
      }
    }
  }

  @Test
  public void theBackfillStepRunsFlinkPerJobOnYarnWithArgumentsTheCliAccepts() throws Exception {
    JsonNode steps = read("backfill-steps.json");
    assertEquals(
        "the first step fetches the script the others run",
        SUBMIT,
        steps.get(0).get("Args").get(4).asText());
    List<List<List<String>>> runs = lakebeamSteps(steps);
    assertEquals(2, runs.size());
    // The database step: TLS with the server verified, the password from Secrets Manager.
    OptionParser.Parsed rds = parse(runs.get(1).get(1));
    BackfillOptions ro = rds.options().as(BackfillOptions.class);
    assertEquals("rds", ro.getSources());
    assertTrue(ro.getJdbcRequireTls());
    assertThat(ro.getJdbcUrl(), containsString("sslmode=verify-full"));
    assertThat(ro.getJdbcUrl(), containsString("sslrootcert=/home/hadoop/rds-ca-bundle.pem"));
    assertFalse(
        "no password on the command line",
        String.join(" ", runs.get(1).get(1)).toLowerCase(Locale.ROOT).contains("password="));
    assertEquals(
        "lakebeam/hmac-key,lakebeam/rds-password", steps.get(2).get("Args").get(3).asText());
    // The profile refuses a URL without verified TLS before connecting.
    ro.setJdbcUrl("jdbc:postgresql://db.example.com:5432/shop?sslmode=require");
    UsageException e = Assert.assertThrows(UsageException.class, () -> Jdbc.connect(ro));
    assertThat(e.getMessage(), containsString("sslmode=verify-full"));
    assertEquals(0.01, ro.getMaxRejectRatio(), 0);
    List<String> flink = runs.get(0).get(0);
    assertEquals("yarn-cluster", flink.get(flink.indexOf("-m") + 1));
    OptionParser.Parsed p = parse(runs.get(0).get(1));
    assertEquals("emr-backfill", p.profile().name());
    BackfillOptions o = p.options().as(BackfillOptions.class);
    assertEquals("2025-06-01", o.getFrom());
    assertEquals("2025-06-30", o.getTo());
    assertThat(o.getInput(), startsWith("s3://"));
    assertEquals("[auto]", p.options().as(FlinkPipelineOptions.class).getFlinkMaster());
    assertEquals("aws:kms", p.options().as(S3Options.class).getSSEAlgorithm());
  }

  @Test
  public void theStreamRunsDetachedInASessionAndResumesFromASavepoint() throws Exception {
    JsonNode start = read("stream-start-steps.json");
    assertEquals("flink-yarn-session", start.get(1).get("Args").get(0).asText());
    List<List<List<String>>> starts = lakebeamSteps(start);
    List<List<List<String>>> redeploys = lakebeamSteps(read("stream-redeploy-steps.json"));
    assertEquals(1, starts.size());
    assertEquals(1, redeploys.size());
    assertTrue(starts.get(0).get(0).contains("-d"));
    List<String> resume = redeploys.get(0).get(0);
    assertThat(resume.get(resume.indexOf("-s") + 1), startsWith("s3://"));
    assertEquals(
        "the redeploy runs the same command", starts.get(0).get(1), redeploys.get(0).get(1));
    JsonNode stop = read("stream-redeploy-steps.json").get(0).get("Args");
    assertEquals("stop", stop.get(1).asText());
    assertThat(stop.get(3).asText(), startsWith("s3://"));

    OptionParser.Parsed p = parse(starts.get(0).get(1));
    assertEquals("emr-streaming", p.profile().name());
    FlinkPipelineOptions f = p.options().as(FlinkPipelineOptions.class);
    assertEquals("[auto]", f.getFlinkMaster());
    assertEquals("EXACTLY_ONCE", f.getCheckpointingMode());
    assertTrue(f.getCheckpointingInterval() > 0);
    assertEquals("rocksdb", f.getStateBackend());
    assertThat(f.getStateBackendStoragePath(), startsWith("s3://"));
    assertTrue(f.getRetainExternalizedCheckpointsOnCancellation());
    StreamOptions s = p.options().as(StreamOptions.class);
    assertEquals("TRIM_HORIZON", s.getInitialPosition());
    assertEquals("aws:kms", p.options().as(S3Options.class).getSSEAlgorithm());
  }

  @Test
  public void theSubmitScriptIsValidBashAndRefusesBadUsage() throws Exception {
    Path script = EMR.resolve("lakebeam-submit.sh");
    Process check =
        new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
    assertEquals(
        new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        0,
        check.waitFor());
    Process bad =
        new ProcessBuilder(
                "bash", script.toString(), "s3://b/lakebeam.jar", "secret", "-d", "stream")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
            .start();
    String out = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(out, 2, bad.waitFor());
    assertThat(out, containsString("missing -- before the lakebeam command"));
    // The key never goes on a command line: the script exports it from Secrets Manager.
    String text = Files.readString(script);
    assertThat(text, containsString("export LAKEBEAM_HMAC_SECRET"));
    assertThat(text, containsString("secretsmanager get-secret-value"));
    for (String boot : List.of("bootstrap-rds-ca.sh")) {
      Process b =
          new ProcessBuilder("bash", "-n", EMR.resolve(boot).toString())
              .redirectErrorStream(true)
              .start();
      assertEquals(boot, 0, b.waitFor());
    }
  }

  /**
   * What the script hands to Flink, with the AWS and Flink CLIs (not on this machine) replaced by
   * recorders on the PATH: both secrets reach the environment, neither a command line.
   */
  @Test
  public void theSubmitScriptPutsBothSecretsInTheEnvironmentOnly() throws Exception {
    Path bin = Files.createTempDirectory("emr-bin");
    Path record = bin.resolve("flink-call.txt");
    Files.writeString(
        bin.resolve("aws"),
        "#!/usr/bin/env bash\n"
            + "case \"$*\" in *'s3 cp'*) exit 0;; *hash-key*) echo 'bad#key';; *hmac-key*) echo hmac-secret-value;; *rds-password*) echo jdbc-secret-value;; *) exit 9;; esac\n");
    Files.writeString(
        bin.resolve("flink"),
        "#!/usr/bin/env bash\n"
            + "{ echo \"args: $*\"; echo \"hmac: $LAKEBEAM_HMAC_SECRET\"; echo \"jdbc: ${LAKEBEAM_JDBC_PASSWORD:-unset}\"; "
            + "echo \"conf: $FLINK_CONF_DIR $(stat -c %a \"$FLINK_CONF_DIR/flink-conf.yaml\")\"; grep containerized \"$FLINK_CONF_DIR/flink-conf.yaml\"; } > "
            + record
            + "\n");
    bin.resolve("aws").toFile().setExecutable(true);
    bin.resolve("flink").toFile().setExecutable(true);
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                EMR.resolve("lakebeam-submit.sh").toString(),
                "s3://b/lakebeam.jar",
                "lakebeam/hmac-key,lakebeam/rds-password",
                "-m",
                "yarn-cluster",
                "--",
                "backfill",
                "--sources=rds")
            .redirectErrorStream(true);
    pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    Path emrConf =
        Files.createDirectories(bin.resolve("etc-flink-conf")); // as /etc/flink/conf on the master
    Files.writeString(
        emrConf.resolve("flink-conf.yaml"), "jobmanager.memory.process.size: 1600m\n");
    pb.environment().put("FLINK_CONF_DIR", emrConf.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(out, 0, p.waitFor());
    List<String> call = Files.readAllLines(record);
    assertEquals(
        "args: run -m yarn-cluster /home/hadoop/lakebeam.jar backfill --sources=rds --hmacKeyEnv=LAKEBEAM_HMAC_SECRET",
        call.get(0));
    assertEquals("hmac: hmac-secret-value", call.get(1));
    assertEquals("jdbc: jdbc-secret-value", call.get(2));
    // The task managers get both from a private copy of Flink's configuration, removed afterwards.
    String confDir = call.get(3).split(" ")[1];
    assertEquals("conf: " + confDir + " 600", call.get(3));
    // named with SECRET / PASSWORD: Flink masks such values in its logs and web UI
    assertEquals(
        List.of(
            "containerized.taskmanager.env.LAKEBEAM_HMAC_SECRET: hmac-secret-value",
            "containerized.taskmanager.env.LAKEBEAM_JDBC_PASSWORD: jdbc-secret-value",
            "containerized.master.env.LAKEBEAM_HMAC_SECRET: hmac-secret-value",
            "containerized.master.env.LAKEBEAM_JDBC_PASSWORD: jdbc-secret-value"),
        call.subList(4, 8));
    for (String k :
        List.of(
            "containerized.taskmanager.env.LAKEBEAM_HMAC_SECRET",
            "containerized.taskmanager.env.LAKEBEAM_JDBC_PASSWORD")) {
      assertTrue(k + " is masked by Flink", GlobalConfiguration.isSensitive(k));
    }
    assertFalse("the private configuration is removed", Files.exists(Path.of(confDir)));
    assertEquals(
        "the cluster's own configuration is unchanged",
        "jobmanager.memory.process.size: 1600m\n",
        Files.readString(emrConf.resolve("flink-conf.yaml")));
    // A key Flink's configuration cannot carry is refused before anything runs.
    pb.command().set(3, "lakebeam/hash-key");
    Process bad = pb.start();
    String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(badOut, 2, bad.waitFor());
    assertThat(badOut, containsString("holds '#' or a line break"));
    assertFalse(badOut, badOut.contains("bad#key"));
    // With one secret named, no database password is set.
    pb.command().set(3, "lakebeam/hmac-key");
    assertEquals(0, pb.start().waitFor());
    assertEquals("jdbc: unset", Files.readAllLines(record).get(2));
  }

  @Test
  public void flinkIsConfiguredForIncrementalRocksDbCheckpointsOnS3() throws Exception {
    Map<String, String> conf = new TreeMap<>();
    for (JsonNode c : read("configurations.json")) {
      if (c.get("Classification").asText().equals("flink-conf")) {
        c.get("Properties")
            .fields()
            .forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
      }
    }
    assertEquals("rocksdb", conf.get("state.backend.type"));
    assertEquals("true", conf.get("state.backend.incremental"));
    assertThat(conf.get("state.checkpoints.dir"), startsWith("s3://"));
    assertThat(conf.get("state.savepoints.dir"), startsWith("s3://"));
    assertTrue(conf.keySet().stream().anyMatch(k -> k.startsWith("metrics.reporter.")));
    assertTrue(conf.keySet().stream().anyMatch(k -> k.startsWith("restart-strategy")));
  }

  @Test
  public void theIamPolicyGrantsOnlyTheLakeTheStreamsAndTheKeyOfTheProfiles() throws Exception {
    JsonNode policy = read("iam-policy.json");
    assertEquals("2012-10-17", policy.get("Version").asText());
    OptionParser.Parsed stream =
        new OptionParser(PROFILES).parse(Command.STREAM, List.of("--profile=emr-streaming"));
    OptionParser.Parsed backfill =
        new OptionParser(PROFILES).parse(Command.BACKFILL, List.of("--profile=emr-backfill"));
    String lake = backfill.options().as(BackfillOptions.class).getLake(); // s3://bucket/prefix
    assertEquals(lake, stream.options().as(BackfillOptions.class).getLake());
    String lakeArn = "arn:aws:s3:::" + lake.substring("s3://".length());
    String bucketArn = lakeArn.substring(0, lakeArn.indexOf('/'));
    String lakePrefix = lakeArn.substring(bucketArn.length() + 1);
    String key = backfill.options().as(S3Options.class).getSSEKMSKeyId();
    assertEquals(key, stream.options().as(S3Options.class).getSSEKMSKeyId());
    StreamOptions so = stream.options().as(StreamOptions.class);
    Set<String> streams =
        Set.of(so.getOrdersStream(), so.getClickstreamStream(), so.getFeedbackStream());

    Set<String> writePrefixes = new HashSet<>();
    Set<String> streamsGranted = new HashSet<>();
    for (JsonNode st : policy.get("Statement")) {
      assertEquals("Allow", st.get("Effect").asText());
      List<String> actions = new ArrayList<>();
      (st.get("Action").isArray() ? st.get("Action") : JSON.createArrayNode().add(st.get("Action")))
          .forEach(a -> actions.add(a.asText()));
      List<String> resources = new ArrayList<>();
      (st.get("Resource").isArray()
              ? st.get("Resource")
              : JSON.createArrayNode().add(st.get("Resource")))
          .forEach(r -> resources.add(r.asText()));
      for (String a : actions) {
        assertFalse("wildcard action " + a, a.contains("*"));
      }
      for (String r : resources) {
        assertFalse(
            st.get("Sid") + ": resource " + r,
            r.equals("*") || r.endsWith(":*") || r.equals("arn:aws:s3:::*"));
        if (r.equals(bucketArn)) {
          // Listing is granted on the bucket, limited by a prefix condition to the lake's prefix.
          assertTrue(
              actions.toString(),
              Set.of("s3:ListBucket", "s3:GetBucketLocation").containsAll(actions));
          JsonNode prefixes = st.at("/Condition/StringLike/s3:prefix");
          assertTrue(st.toString(), prefixes.isArray() && prefixes.size() > 0);
          prefixes.forEach(x -> assertThat(x.asText(), startsWith(lakePrefix)));
        } else if (r.startsWith("arn:aws:s3:::")) {
          assertThat(st.get("Sid") + " reaches outside the lake", r, startsWith(lakeArn + "/"));
        } else if (r.startsWith("arn:aws:kinesis:")) {
          String name = r.substring(r.indexOf(":stream/") + ":stream/".length()).split("/")[0];
          assertTrue(r + " is not a stream of the profile", streams.contains(name));
          streamsGranted.add(name);
        } else if (r.startsWith("arn:aws:kms:")) {
          assertEquals("the only key is the profiles' SSE-KMS key", key, r);
        } else {
          assertThat(r, startsWith("arn:aws:secretsmanager:"));
          assertTrue(actions.equals(List.of("secretsmanager:GetSecretValue")));
        }
      }
      boolean writes =
          actions.stream().anyMatch(a -> a.startsWith("s3:Put") || a.startsWith("s3:Delete"));
      if (writes) {
        for (String r : resources) {
          writePrefixes.add(
              r.substring(lakeArn.length() + 1, r.indexOf('/', lakeArn.length() + 1)));
        }
      }
      assertFalse(
          "a policy must not write to Kinesis",
          actions.stream().anyMatch(a -> a.startsWith("kinesis:Put")));
    }
    assertEquals(
        Set.of("raw", "clean", "curated", "consumption", "_manifests", "_flink"), writePrefixes);
    assertEquals(streams, streamsGranted);
    assertTrue(new File(EMR.toFile(), "lakebeam-submit.sh").canExecute());
  }
}
