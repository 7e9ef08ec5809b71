package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
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
 * saved every 5 s and once more at the end of a stop), so that {@link #restart()} brings them back
 * on the same port the way the service keeps its data across a failure of its front end. Clients of
 * a persistent emulator reach it through a {@link CuttableLink}: kinesis-local 0.6.2 keeps
 * listening while it drains after SIGTERM, and a connection that arrives then is never read or
 * closed, so its stop never ends and its last save never happens; the link is cut before the
 * signal, so that no connection can arrive.
 */
public final class KinesisHarness extends ExternalResource {
  public static final String VERSION = "0.6.2";
  public static final String ACCESS_KEY = "lakebeam-test";
  public static final String SECRET_KEY = "lakebeam-test-secret";
  private static final Path HOME = Path.of("target", "kinesis-local").toAbsolutePath();
  // with no connection open it stops in about 2 s; one left open costs its 30 s drain
  private static final int STOP_BOUND_SECONDS = 90;
  private static final long DRAINED_BOUND_MILLIS = 10_000;

  private final boolean persistent;
  private Process process;
  private int port; // the clients' port: the emulator's own, or the link's in front of it
  private int serverPort;
  private int tlsPort;
  private CuttableLink link;

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
    serverPort = Servers.freePort();
    tlsPort = Servers.freePort();
    if (persistent) {
      link = new CuttableLink(serverPort);
      port = link.port();
    } else {
      port = serverPort;
    }
    try {
      forgetData();
      start();
    } catch (Throwable e) { // JUnit runs no after() for a failed before()
      after();
      throw e;
    }
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
   * Stops the emulator and starts it again on the same port with the data it had. Only for {@link
   * #persistent()} emulators. Its clients are cut off first (connections reset, new ones refused
   * until it listens again), then it gets SIGTERM: it drains what is still open for up to 30 s and
   * saves its data. A stop that needs SIGKILL would lose what was acknowledged since the last save,
   * so it fails instead.
   *
   * @return how long the restart took (from the cut to listening again), in milliseconds
   */
  public long restart() throws Exception {
    if (!persistent) {
      throw new IllegalStateException(
          "restart() would lose the streams of an emulator that is not persistent()");
    }
    long t0 = System.nanoTime();
    link.cut();
    awaitNoConnections();
    process.destroy();
    if (!process.waitFor(STOP_BOUND_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "kinesis-local did not stop within "
              + STOP_BOUND_SECONDS
              + " s of SIGTERM; killed, its data since the last save lost. Its log ends:\n"
              + logTail(40));
    }
    long stopped = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    if (stopped > 40_000) { // past the 30 s drain: the log says why
      System.out.println(
          "KinesisHarness: kinesis-local took "
              + stopped
              + " ms to stop; its log ends:\n"
              + logTail(40));
    }
    start();
    link.restore();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /**
   * Waits, at most {@link #DRAINED_BOUND_MILLIS}, until the kernel shows no connection to the
   * emulator's port (Linux's {@code /proc/net/tcp}): the link's resets have reached it, so its
   * drain has nothing to wait for. Without that table the stop just takes its drain.
   */
  private void awaitNoConnections() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAINED_BOUND_MILLIS);
    long open = -1;
    while (System.nanoTime() < deadline) {
      try {
        open = connectionsTo(serverPort);
      } catch (IOException noTable) {
        return;
      }
      if (open == 0) {
        return;
      }
      Thread.sleep(50);
    }
    System.out.println(
        "KinesisHarness: "
            + open
            + " connection(s) to kinesis-local still open "
            + DRAINED_BOUND_MILLIS
            + " ms after the cut; its stop will wait for them (up to 30 s)");
  }

  /**
   * Sockets held open on the local port {@code port}: not its listener (0A) and not those in
   * TIME_WAIT or CLOSE (06, 07), which no process holds.
   */
  static long connectionsTo(int port) throws IOException {
    String local = String.format(":%04X", port);
    try (Stream<String> lines = Files.lines(Path.of("/proc/net/tcp"))) {
      return lines
          .skip(1)
          .map(l -> l.trim().split("\\s+"))
          .filter(f -> f[1].endsWith(local) && !Set.of("0A", "06", "07").contains(f[3]))
          .count();
    }
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
    pb.environment().put("KINESIS_MOCK_PLAIN_PORT", String.valueOf(serverPort));
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
    Servers.awaitPort(process, serverPort, "kinesis-local (log in " + HOME + ")", 30);
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
    if (link != null) {
      try {
        link.close();
      } catch (IOException ignored) {
        // its sockets are gone either way
      }
      link = null;
    }
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
