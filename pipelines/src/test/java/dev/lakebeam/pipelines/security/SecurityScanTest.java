package dev.lakebeam.pipelines.security;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.testing.Lake;
import dev.lakebeam.pipelines.testing.PostgresHarness;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.avro.generic.GenericRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * PII and secrets, attacked the way an auditor would: one backfill of the sample plus every bad
 * record of the corpus that carries personal data (files and a PostgreSQL source, FlinkRunner
 * [local], in a JVM of its own with the HMAC key, the JDBC password and AWS credentials set), then
 * {@code --help} and a failing run whose JDBC URL carries a password. The raw emails, names, phones
 * and IPs of the input appear in no file of clean (rejects included), curated or consumption, nor
 * in a manifest; no secret appears in any output, manifest, lake file or profile.
 */
public class SecurityScanTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @ClassRule public static final PostgresHarness PG = new PostgresHarness();

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path BAD = REPO.resolve("sample-data/bad");
  private static final String HMAC_KEY = "hmac-" + UUID.randomUUID();
  private static final String JDBC_PASSWORD = "jdbcpw-" + UUID.randomUUID();
  private static final String AWS_SECRET = "awssecret-" + UUID.randomUUID();
  private static final String URL_PASSWORD = "urlpw-" + UUID.randomUUID();
  private static final List<String> SECRETS =
      List.of(HMAC_KEY, JDBC_PASSWORD, AWS_SECRET, URL_PASSWORD);

  private static Path input;
  private static Path lake;
  private static String output = "";

  @BeforeClass
  public static void runEverything() throws Exception {
    input = TMP.newFolder("input").toPath();
    Lake.copy(REPO.resolve("sample-data/files"), input);
    // Every bad record of the corpus with personal data, appended to its dataset's file.
    append(
        "customers.jsonl",
        "07-missing-required.customers.jsonl",
        "21-nul-byte.customers.jsonl",
        "32-wrong-type-json-number.customers.jsonl",
        "36-nested-where-scalar.customers.jsonl",
        "37-duplicate-json-keys.customers.jsonl");
    append(
        "clickstream.jsonl",
        "08-invalid-timestamp.clickstream.jsonl",
        "17-truncated.clickstream.jsonl",
        "34-year-0001-and-9999.clickstream.jsonl",
        "45-trailing-garbage.clickstream.jsonl",
        "48-pii-wrong-types.kinesis-clickstream.jsonl");
    append("feedback.jsonl", "16-wrong-types.feedback.jsonl", "38-nan-infinity.feedback.jsonl");
    // PII where a careless reader would let it through: a bad value quoted in a reject message,
    // keys in another case, an email and a phone number in free text.
    appendLines(
        "customers.jsonl",
        "{\"customer_id\":\"leak.one@example.net\",\"full_name\":\"Lena Leakwell\",\"email\":\"lena.l@example.net\","
            + "\"country\":\"US\",\"tier\":\"standard\"}",
        "{\"customer_id\":\"x9\",\"Full_Name\":\"Casey Capitals\",\"EMAIL\":\"casey.caps@example.net\",\"Phone\":\"+1-555-201-7788\"}");
    appendLines(
        "feedback.jsonl",
        "{\"feedback_id\":\"f-leak-1\",\"store_id\":3,\"rating\":2,\"comment\":\"late again, call me on +1-555-201-3344 or "
            + "write to free.text@example.net\",\"email\":null,\"submitted_at\":\"2025-03-01T10:00:00Z\"}");
    lake = TMP.newFolder("lake").toPath();
    // a malformed option carrying a secret: named in the error, its value never repeated
    Run badOption =
        lakebeam(
            "backfill",
            "--input=" + input,
            "--lake=" + TMP.newFolder("lake3").toURI(),
            "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"secretAccessKey\":\""
                + AWS_SECRET
                + "\"");
    assertEquals(badOption.text, 2, badOption.code);
    assertThat(badOption.text, containsString("--awsCredentialsProvider"));
    String aws =
        "{\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\"AKIATESTSECURITYSCAN\",\"secretAccessKey\":\""
            + AWS_SECRET
            + "\"}";
    Run seed =
        lakebeam(
            "seed-rds", "--input=" + REPO.resolve("sample-data/files"), "--jdbcUrl=" + PG.url());
    assertEquals(seed.text, 0, seed.code);
    Run backfill =
        lakebeam(
            "backfill",
            "--profile=local",
            "--sources=files,rds",
            "--input=" + input,
            "--lake=" + lake.toUri(),
            "--jdbcUrl=" + PG.url(),
            "--awsCredentialsProvider=" + aws,
            "--progressSeconds=5",
            "--maxRejectRatio=1");
    assertEquals(backfill.text, 0, backfill.code);
    Run help = lakebeam("backfill", "--help");
    assertEquals(help.text, 0, help.code);
    assertThat(help.text, containsString("--hmacKeyEnv"));
    Run failing =
        lakebeam(
            "backfill",
            "--profile=direct",
            "--sources=rds",
            "--lake=" + TMP.newFolder("lake2").toURI(),
            "--jdbcUrl=jdbc:postgresql://127.0.0.1:1/nowhere?user=u&password=" + URL_PASSWORD);
    assertNotEquals(failing.text, 0, failing.code);
    assertThat(failing.text, containsString("password=***"));
    output = seed.text + backfill.text + help.text + failing.text + badOption.text;
  }

  private static void append(String target, String... badFiles) throws IOException {
    for (String f : badFiles) {
      byte[] bytes = Files.readAllBytes(BAD.resolve(f));
      Files.write(input.resolve(target), bytes, StandardOpenOption.APPEND);
    }
  }

  private static void appendLines(String target, String... lines) throws IOException {
    Files.writeString(
        input.resolve(target), "\n" + String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
  }

  record Run(int code, String text) {}

  private static Run lakebeam(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(TMP.getRoot().toPath(), "run", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(REPO.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("LAKEBEAM_PROFILES_DIR", REPO.resolve("runner-profiles").toString());
    env.put("LAKEBEAM_HMAC_KEY", HMAC_KEY);
    env.put("LAKEBEAM_JDBC_PASSWORD", JDBC_PASSWORD);
    int code = pb.start().waitFor();
    return new Run(code, new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
  }

  /** The personal data of the input: emails, phones, IPs, and full names as given. */
  private static Set<String> personalData() throws IOException {
    Set<String> pii = new TreeSet<>();
    for (String f : List.of("customers.jsonl", "clickstream.jsonl", "feedback.jsonl")) {
      String text = new String(Files.readAllBytes(input.resolve(f)), StandardCharsets.UTF_8);
      collect(pii, Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+"), text, 0);
      collect(pii, Pattern.compile("\\+1-\\d{3}-\\d{3}-\\d{4}"), text, 0);
      collect(pii, Pattern.compile("\\b(\\d{1,3}\\.){3}\\d{1,3}\\b"), text, 0);
      collect(pii, Pattern.compile("(?i)\"full_name\"\\s*:\\s*\"([^\"]{3,})\""), text, 1);
      collect(pii, Pattern.compile("(?i)\"full_name\"\\s*:\\s*\\[\"([^\"]{3,})\""), text, 1);
    }
    return pii;
  }

  private static void collect(Set<String> into, Pattern p, String text, int group) {
    Matcher m = p.matcher(text);
    while (m.find()) {
      into.add(m.group(group));
    }
  }

  /** Everything a reader of the zone sees: every field of every row, base64 payloads decoded. */
  private static String zoneText(String zone) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (GenericRecord r : Lake.read(lake.resolve(zone))) {
      sb.append(r).append('\n');
      Object b64 =
          r.getSchema().getField("payload_base64") == null ? null : r.get("payload_base64");
      if (b64 != null) {
        sb.append(new String(Base64.getDecoder().decode(b64.toString()), StandardCharsets.UTF_8))
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static String filesText(Path folder) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.walk(folder)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (p.toString().endsWith(".gz")) {
          try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
            sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          } catch (IOException e) { // a damaged gzip file of the corpus, landed as received
            sb.append(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
          }
        } else {
          sb.append(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  public void noPersonalDataOutsideTheRawZone() throws Exception {
    Set<String> pii = personalData();
    assertThat("personal data found in the input", pii.size(), greaterThan(500));
    assertTrue(
        "the planted cases are scanned for: " + pii,
        pii.containsAll(
            List.of(
                "leak.one@example.net",
                "Casey Capitals",
                "casey.caps@example.net",
                "+1-555-201-7788",
                "+1-555-201-3344",
                "free.text@example.net")));
    assertThat(
        "the comment reached clean, tokenized",
        zoneText("clean/feedback"),
        containsString("[phone:"));
    // The scan sees what it looks for: the raw zone (restricted, the input as received) has it all.
    String raw = filesText(lake.resolve("raw"));
    List<String> notInRaw = pii.stream().filter(v -> !raw.contains(v)).toList();
    assertEquals("the raw zone holds the input as received", List.of(), notInRaw);

    String rejects = zoneText("clean/_rejected");
    assertThat(
        "rejects of datasets with personal data are scanned",
        count(rejects, "dataset\": \"customers\""),
        greaterThan(5));
    Map<String, String> zones =
        Map.of(
            "clean (rejects included)", zoneText("clean"),
            "curated", zoneText("curated"),
            "consumption", zoneText("consumption"),
            "manifests", filesText(lake.resolve("_manifests")),
            "the runs' output", output);
    List<String> hits = new ArrayList<>();
    for (Map.Entry<String, String> z : zones.entrySet()) {
      for (String v : pii) {
        if (z.getValue().contains(v)) {
          hits.add(z.getKey() + ": " + v);
        }
      }
    }
    assertEquals("raw personal data outside the raw zone", List.of(), hits);
    System.out.printf(
        "SecurityScanTest: %d personal values of the input, 0 found outside raw; %d rejects of customers scanned%n",
        pii.size(), count(rejects, "dataset\": \"customers\""));
  }

  @Test
  public void noSecretInOutputManifestsLakeOrProfiles() throws Exception {
    Map<String, String> places =
        Map.of(
            "the runs' output, --help and a failed run's error",
            output,
            "the lake's files (manifests, state, raw)",
            filesText(lake),
            "clean, curated and consumption rows",
            zoneText("clean") + zoneText("curated") + zoneText("consumption"),
            "runner profiles",
            filesText(REPO.resolve("runner-profiles")));
    List<String> hits = new ArrayList<>();
    for (Map.Entry<String, String> p : places.entrySet()) {
      for (String s : SECRETS) {
        if (p.getValue().contains(s)) {
          hits.add(p.getKey() + " contains " + s.substring(0, s.indexOf('-')));
        }
      }
    }
    assertEquals(List.of(), hits);
    // The manifest does record that credentials were given, masked.
    String manifests = filesText(lake.resolve("_manifests"));
    assertThat(manifests, containsString("awsCredentialsProvider"));
    assertThat(manifests, containsString("***"));
    assertTrue("the backfill ran with the secrets set", output.contains("backfill: run "));
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
