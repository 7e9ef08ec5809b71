package dev.lakebeam.pipelines.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Flink 1.19 session cluster as separate processes on 127.0.0.1: one JobManager
 * (StandaloneSessionClusterEntrypoint, with the web/REST endpoint) and one TaskManager with two
 * slots, on a classpath of Flink's Maven artifacts only (.ci/flink-cluster/pom.xml, resolved with
 * Maven; flink-dist is not in the registry here). Jobs bring Beam and lakebeam in the staged jar.
 * Every port is bound to loopback; close() ends both processes.
 */
public final class FlinkClusterHarness implements AutoCloseable {
  /** What flink-dist's config.sh passes to Flink's JVMs on Java 17. */
  private static final List<String> JAVA17_OPTS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private final Path work;
  private Map<String, String> env = Map.of();
  private final int restPort;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  private FlinkClusterHarness(Path work, int restPort) {
    this.work = work;
    this.restPort = restPort;
  }

  /** Resolves the classpath, writes the configuration, starts both processes, waits for 2 slots. */
  public static FlinkClusterHarness start(Path repo, Path work) throws Exception {
    return start(repo, work, Map.of());
  }

  /**
   * As {@link #start(Path, Path)}, with variables set in the cluster's processes (as EMR's
   * containerized.taskmanager.env does): the HMAC key reaches workers so, never inside the job.
   */
  public static FlinkClusterHarness start(Path repo, Path work, Map<String, String> env)
      throws Exception {
    Files.createDirectories(work);
    Path cp = work.resolve("classpath.txt");
    Process mvn =
        new ProcessBuilder(
                "mvn",
                "-B",
                "-q",
                "-f",
                repo.resolve(".ci/flink-cluster/pom.xml").toString(),
                "dependency:build-classpath",
                "-Dmdep.outputFile=" + cp)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("mvn.log").toFile())
            .start();
    if (mvn.waitFor() != 0 || !Files.exists(cp)) {
      throw new IllegalStateException(
          "could not resolve the Flink cluster's classpath; see " + work.resolve("mvn.log"));
    }
    String classpath = Files.readString(cp).trim();
    int rest = freePort();
    Path conf = Files.createDirectories(work.resolve("conf"));
    Files.writeString(
        conf.resolve("flink-conf.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: 127.0.0.1",
            "jobmanager.rpc.port: " + freePort(),
            "jobmanager.bind-host: 127.0.0.1",
            "rest.address: 127.0.0.1",
            "rest.bind-address: 127.0.0.1",
            "rest.port: " + rest,
            "blob.server.port: 0",
            "taskmanager.host: 127.0.0.1",
            "taskmanager.bind-host: 127.0.0.1",
            "taskmanager.numberOfTaskSlots: 2",
            "parallelism.default: 2",
            "jobmanager.memory.process.size: 1024m",
            // What taskmanager.sh would compute and pass as dynamic properties; set here since the
            // TaskManager is started without Flink's scripts.
            "taskmanager.cpu.cores: 2",
            "taskmanager.memory.framework.heap.size: 128m",
            "taskmanager.memory.task.heap.size: 1024m",
            "taskmanager.memory.managed.size: 512m",
            "taskmanager.memory.framework.off-heap.size: 128m",
            "taskmanager.memory.task.off-heap.size: 0m",
            // A Beam batch job runs many operators at once: more network buffers than the default.
            "taskmanager.memory.network.min: 1024m",
            "taskmanager.memory.network.max: 1024m",
            "taskmanager.memory.jvm-metaspace.size: 256m",
            "taskmanager.memory.jvm-overhead.min: 192m",
            "taskmanager.memory.jvm-overhead.max: 192m",
            ""));
    FlinkClusterHarness h = new FlinkClusterHarness(work, rest);
    h.env = env;
    try {
      h.launch(
          "jobmanager",
          classpath,
          conf,
          List.of("-Xmx700m"),
          "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
      h.launch(
          "taskmanager",
          classpath,
          conf,
          List.of("-Xmx1152m", "-XX:MaxDirectMemorySize=1152m", "-XX:MaxMetaspaceSize=256m"),
          "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (true) {
        try {
          JsonNode o = h.get("/overview");
          if (o.get("taskmanagers").asInt() == 1 && o.get("slots-total").asInt() == 2) {
            break;
          }
        } catch (IOException e) {
          // not up yet
        }
        for (Process p : h.processes) {
          if (!p.isAlive()) {
            throw new IllegalStateException(
                "a Flink process ended at start; see the logs in " + work);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the Flink cluster did not offer 2 slots within 120 s; see the logs in " + work);
        }
        Thread.sleep(500);
      }
      return h;
    } catch (Exception e) {
      h.close();
      throw e;
    }
  }

  private void launch(String name, String classpath, Path conf, List<String> heap, String mainClass)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JAVA17_OPTS);
    cmd.addAll(heap);
    cmd.add("-Dlog.file=" + work.resolve(name + ".log"));
    cmd.addAll(List.of("-cp", classpath, mainClass, "--configDir", conf.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve(name + ".out").toFile());
    pb.environment().putAll(env);
    processes.add(pb.start());
  }

  /** host:port of the REST endpoint, for --flinkMaster. */
  public String master() {
    return "127.0.0.1:" + restPort;
  }

  public Path work() {
    return work;
  }

  public JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + master() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() / 100 != 2) {
      throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return json.readTree(r.body());
  }

  public JsonNode post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + master() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() / 100 != 2) {
      throw new IOException("POST " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return json.readTree(r.body());
  }

  /** Cancels a job (PATCH /jobs/:id?mode=cancel). */
  public void cancel(String jobId) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + master() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() / 100 != 2) {
      throw new IOException("cancel " + jobId + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy();
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
