package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.rules.ExternalResource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * A real Kinesis API on 127.0.0.1 for the tests: kinesis-local (npm, DESIGN §8), installed with the
 * machine's npm into {@code target/kinesis-local} on first use, started with node on free ports and
 * stopped by its PID (SIGTERM, then SIGKILL after 5 s). Its server binds 0.0.0.0; the harness runs
 * a copy of {@code main.js} with the bind address patched to 127.0.0.1 and refuses to start if the
 * patch no longer applies.
 *
 * <p>{@link #persistent()} keeps the emulator's streams in a file (kinesis-local's own persistence,
 * written on shutdown), so that {@link #restart()} brings them back on the same port the way the
 * service keeps its data across a failure of its front end.
 */
public final class KinesisHarness extends ExternalResource {
  public static final String VERSION = "0.6.2";
  public static final String ACCESS_KEY = "lakebeam-test";
  public static final String SECRET_KEY = "lakebeam-test-secret";
  private static final Path HOME = Path.of("target", "kinesis-local").toAbsolutePath();
  private static final int STOP_BOUND_SECONDS = 180;

  private final boolean persistent;
  private Process process;
  private int port;
  private int tlsPort;

  public KinesisHarness() {
    this(false);
  }

  private KinesisHarness(boolean persistent) {
    this.persistent = persistent;
  }

  /** An emulator whose streams survive {@link #restart()}. */
  public static KinesisHarness persistent() {
    return new KinesisHarness(true);
  }

  @Override
  protected void before() throws Throwable {
    port = Servers.freePort();
    tlsPort = Servers.freePort();
    forgetData();
    start();
  }

  /** Removes what an earlier emulator on the same port persisted. */
  private void forgetData() throws IOException {
    Path data = HOME.resolve("data-" + port);
    if (Files.isDirectory(data)) {
      try (Stream<Path> s = Files.walk(data)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /**
   * Stops the emulator (SIGTERM: it refuses new connections, drains open ones for up to 30 s, then
   * writes its data) and starts it again on the same port with the data it had. Only for {@link
   * #persistent()} emulators. A stop that needs SIGKILL would lose what was acknowledged since the
   * last save, so it fails instead.
   *
   * @return how long the restart took (SIGTERM to listening again), in milliseconds
   */
  public long restart() throws Exception {
    if (!persistent) {
      throw new IllegalStateException(
          "restart() would lose the streams of an emulator that is not persistent()");
    }
    long t0 = System.nanoTime();
    process.destroy();
    // Its drain ends 30 s after SIGTERM whatever the clients do (32 s measured with idle and with
    // busy connections); the bound leaves room for a starved machine, one CI run saw over 60 s.
    if (!process.waitFor(STOP_BOUND_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "kinesis-local did not stop within "
              + STOP_BOUND_SECONDS
              + " s of SIGTERM; killed, its data since the last save lost. Its log ends:\n"
              + logTail(40));
    }
    long stopped = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    if (stopped > 45_000) { // past the 30 s drain by far: the log says why
      System.out.println(
          "KinesisHarness: kinesis-local took "
              + stopped
              + " ms to stop; its log ends:\n"
              + logTail(40));
    }
    start();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private void start() throws Exception {
    Path script = install();
    ProcessBuilder pb =
        new ProcessBuilder("node", script.toString())
            .directory(script.getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(
                    HOME.resolve("kinesis-local-" + port + ".log").toFile()));
    pb.environment().put("KINESIS_MOCK_PLAIN_PORT", String.valueOf(port));
    pb.environment().put("KINESIS_MOCK_TLS_PORT", String.valueOf(tlsPort));
    if (persistent) {
      pb.environment().put("SHOULD_PERSIST_DATA", "true");
      pb.environment().put("LOAD_DATA_IF_EXISTS", "true");
      pb.environment().put("PERSIST_PATH", HOME.resolve("data-" + port).toString());
    } else {
      pb.environment().put("SHOULD_PERSIST_DATA", "false");
    }
    pb.environment().put("LOG_LEVEL", "WARN");
    pb.environment().put("CREATE_STREAM_DURATION", "100ms");
    pb.environment().put("REGISTER_STREAM_CONSUMER_DURATION", "100ms");
    process = pb.start();
    Servers.awaitPort(process, port, "kinesis-local (log in " + HOME + ")", 30);
  }

  /** The last lines of this emulator's log, for a failure's message. */
  private String logTail(int lines) {
    Path log = HOME.resolve("kinesis-local-" + port + ".log");
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + log + " unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  protected void after() {
    Servers.stop(process);
    process = null;
    try {
      forgetData();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
      npm =
          new ProcessBuilder(
                  "npm",
                  "install",
                  "--no-audit",
                  "--no-fund",
                  "--prefix",
                  HOME.toString(),
                  "kinesis-local@" + VERSION)
              .redirectErrorStream(true)
              .redirectOutput(HOME.resolve("npm-install.log").toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "the Kinesis tests need Node.js and npm (apt-get install -y nodejs npm): "
              + e.getMessage(),
          e);
    }
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException(
          "npm install kinesis-local@"
              + VERSION
              + " failed; see "
              + HOME.resolve("npm-install.log"));
    }
    String main = Files.readString(pkg.resolve("main.js"), StandardCharsets.UTF_8);
    String bind = "em(\"0.0.0.0\")";
    if (main.indexOf(bind) < 0 || main.indexOf(bind) != main.lastIndexOf(bind)) {
      throw new IllegalStateException(
          "kinesis-local's main.js no longer has exactly one bind to 0.0.0.0; cannot keep it on loopback");
    }
    Files.writeString(patched, main.replace(bind, "em(\"127.0.0.1\")"), StandardCharsets.UTF_8);
    return patched;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Beam's AWS options that point a command at this server. */
  public List<String> beamOptions() {
    return List.of(
        "--endpoint=" + endpoint(),
        "--awsRegion=us-east-1",
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\""
            + ACCESS_KEY
            + "\",\"secretAccessKey\":\""
            + SECRET_KEY
            + "\"}");
  }

  public KinesisClient client() {
    return KinesisClient.builder()
        .endpointOverride(URI.create(endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }
}
