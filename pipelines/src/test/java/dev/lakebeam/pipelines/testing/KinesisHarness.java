package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.rules.ExternalResource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * A real Kinesis API on 127.0.0.1 for the tests: kinesis-local (npm, DESIGN §8), installed with
 * the machine's npm into {@code target/kinesis-local} on first use, started with node on free
 * ports and stopped by its PID (SIGTERM, then SIGKILL after 5 s). Its server binds 0.0.0.0; the
 * harness runs a copy of {@code main.js} with the bind address patched to 127.0.0.1 and refuses to
 * start if the patch no longer applies.
 */
public final class KinesisHarness extends ExternalResource {
  public static final String VERSION = "0.6.2";
  public static final String ACCESS_KEY = "lakebeam-test";
  public static final String SECRET_KEY = "lakebeam-test-secret";
  private static final Path HOME = Path.of("target", "kinesis-local").toAbsolutePath();

  private Process process;
  private int port;

  @Override
  protected void before() throws Throwable {
    Path script = install();
    port = Servers.freePort();
    ProcessBuilder pb = new ProcessBuilder("node", script.toString())
        .directory(script.getParent().toFile())
        .redirectErrorStream(true)
        .redirectOutput(HOME.resolve("kinesis-local-" + port + ".log").toFile());
    pb.environment().put("KINESIS_MOCK_PLAIN_PORT", String.valueOf(port));
    pb.environment().put("KINESIS_MOCK_TLS_PORT", String.valueOf(Servers.freePort()));
    pb.environment().put("LOG_LEVEL", "WARN");
    pb.environment().put("CREATE_STREAM_DURATION", "100ms");
    pb.environment().put("REGISTER_STREAM_CONSUMER_DURATION", "100ms");
    process = pb.start();
    Servers.awaitPort(process, port, "kinesis-local (log in " + HOME + ")", 30);
  }

  @Override
  protected void after() {
    Servers.stop(process);
    process = null;
  }

  /** Installs kinesis-local once and writes the loopback copy of its main.js. */
  private static synchronized Path install() throws IOException, InterruptedException {
    Path pkg = HOME.resolve("node_modules").resolve("kinesis-local");
    Path patched = pkg.resolve("main-loopback.js");
    if (Files.isRegularFile(patched)) {
      return patched;
    }
    Files.createDirectories(HOME);
    Process npm;
    try {
      npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", HOME.toString(), "kinesis-local@" + VERSION)
          .redirectErrorStream(true).redirectOutput(HOME.resolve("npm-install.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("the Kinesis tests need Node.js and npm (apt-get install -y nodejs npm): " + e.getMessage(), e);
    }
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm install kinesis-local@" + VERSION + " failed; see " + HOME.resolve("npm-install.log"));
    }
    String main = Files.readString(pkg.resolve("main.js"), StandardCharsets.UTF_8);
    String bind = "em(\"0.0.0.0\")";
    if (main.indexOf(bind) < 0 || main.indexOf(bind) != main.lastIndexOf(bind)) {
      throw new IllegalStateException("kinesis-local's main.js no longer has exactly one bind to 0.0.0.0; cannot keep it on loopback");
    }
    Files.writeString(patched, main.replace(bind, "em(\"127.0.0.1\")"), StandardCharsets.UTF_8);
    return patched;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Beam's AWS options that point a command at this server. */
  public List<String> beamOptions() {
    return List.of("--endpoint=" + endpoint(), "--awsRegion=us-east-1",
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\"" + ACCESS_KEY
            + "\",\"secretAccessKey\":\"" + SECRET_KEY + "\"}");
  }

  public KinesisClient client() {
    return KinesisClient.builder()
        .endpointOverride(URI.create(endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }
}
