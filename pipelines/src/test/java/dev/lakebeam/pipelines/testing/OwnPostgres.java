package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.rules.ExternalResource;

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, the machine's PostgreSQL
 * binaries, 127.0.0.1 and a free port, trust auth), for tests that stop and start the server in the
 * middle of a run: the machine's shared server is never touched. As root, the server runs as the
 * {@code postgres} user (PostgreSQL refuses root). Removed afterwards.
 */
public final class OwnPostgres extends ExternalResource {
  private Path bin;
  private Path dir;
  private Path data;
  private int port;
  private final boolean root = "root".equals(System.getProperty("user.name"));

  @Override
  protected void before() throws Throwable {
    bin = binaries();
    dir = Files.createTempDirectory("lakebeam-pg");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    data = dir.resolve("data");
    Files.createDirectory(data);
    if (root) {
      exec(List.of("chown", "-R", "postgres", dir.toString()), false);
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    exec(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8"),
        true);
    start();
  }

  @Override
  protected void after() {
    try {
      stop();
    } catch (Exception e) {
      System.err.println("could not stop the test's PostgreSQL: " + e.getMessage());
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + dir + ": " + e.getMessage());
    }
  }

  /** Starts the server (again), on the same port with the same data. */
  public void start() throws Exception {
    exec(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-w",
            "-t",
            "60",
            "-l",
            dir.resolve("server.log").toString(),
            "-o",
            "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off",
            "start"),
        true);
  }

  /** Stops the server the way an outage does: open sessions are ended, new connections refused. */
  public void stop() throws Exception {
    exec(
        List.of(
            bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "fast", "stop"),
        true);
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  private void exec(List<String> cmd, boolean asPostgres) throws Exception {
    List<String> full = new ArrayList<>();
    if (asPostgres && root) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(cmd);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", full) + " failed: " + out);
    }
  }

  /** The newest PostgreSQL installed (Debian's layout), or LAKEBEAM_PG_BIN. */
  private static Path binaries() throws IOException {
    String given = System.getenv("LAKEBEAM_PG_BIN");
    if (given != null && !given.isBlank()) {
      return Path.of(given);
    }
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      return s.map(p -> p.resolve("bin"))
          .filter(p -> Files.isExecutable(p.resolve("pg_ctl")))
          .max(
              Comparator.comparingInt(
                  p ->
                      Integer.parseInt(
                          p.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no PostgreSQL under /usr/lib/postgresql; set LAKEBEAM_PG_BIN"));
    }
  }
}
