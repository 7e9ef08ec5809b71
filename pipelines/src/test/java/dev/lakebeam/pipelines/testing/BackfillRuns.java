package dev.lakebeam.pipelines.testing;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Profiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Runs lakebeam commands in this JVM for the tests, with their exit code and output. */
public final class BackfillRuns {
  private BackfillRuns() {}

  public record Outcome(int code, String output) {}

  public static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    int code = new Main(ps, ps, new Profiles(List.of(Path.of("..", "runner-profiles")))).run(args);
    return new Outcome(code, out.toString(StandardCharsets.UTF_8));
  }

  public static String ok(String... args) {
    Outcome o = run(args);
    assertEquals(o.output(), 0, o.code());
    return o.output();
  }

  /** The newest manifest of the lake. */
  public static JsonNode manifest(Path lake) throws Exception {
    try (Stream<Path> s = Files.list(lake.resolve("_manifests"))) {
      Path newest = s.max(Comparator.comparing(p -> p.toFile().lastModified())).orElseThrow();
      return new ObjectMapper().readTree(newest.toFile());
    }
  }
}
