package dev.lakebeam.pipelines.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The run manifests of a lake ({@code {lake}/_manifests/*.json}, written by backfill), oldest
 * first.
 */
final class Manifests {
  private Manifests() {}

  /** What the report shows of one run. */
  record Run(
      String runId,
      String command,
      List<String> commandLine,
      List<String> zones,
      String status,
      Instant started,
      Instant ended,
      Map<String, Map<String, Long>> counts,
      Map<String, Map<String, Long>> rejectsByReason,
      Map<String, Double> stageSeconds,
      String version,
      String commit) {

    /** Wall time from start to end, or null when the manifest lacks either. */
    Double seconds() {
      return started == null || ended == null
          ? null
          : Duration.between(started, ended).toMillis() / 1000.0;
    }

    /** A count summed over the run's datasets (in, clean, rejected, duplicates, ...). */
    long total(String field) {
      return counts.values().stream().mapToLong(c -> c.getOrDefault(field, 0L)).sum();
    }

    long rejects() {
      return rejectsByReason.values().stream()
          .flatMap(m -> m.values().stream())
          .mapToLong(Long::longValue)
          .sum();
    }
  }

  /** The runs, and how many .json files were not manifests (unreadable, or without a run_id). */
  record Runs(List<Run> runs, int unreadable) {}

  static Runs read(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return new Runs(List.of(), 0);
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(folder)) {
      files =
          s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
              .sorted()
              .toList();
    }
    ObjectMapper json = new ObjectMapper();
    List<Run> runs = new ArrayList<>();
    int unreadable = 0;
    for (Path f : files) {
      JsonNode m;
      try {
        m = json.readTree(f.toFile());
      } catch (IOException e) {
        unreadable++;
        continue;
      }
      if (m == null || !m.hasNonNull("run_id")) {
        unreadable++;
        continue;
      }
      runs.add(run(m));
    }
    // Run ids start with their UTC start time; a manifest without started_at sorts by its id.
    runs.sort(
        Comparator.comparing((Run r) -> r.started() == null ? Instant.MIN : r.started())
            .thenComparing(Run::runId));
    return new Runs(List.copyOf(runs), unreadable);
  }

  private static Run run(JsonNode m) {
    List<String> zones = new ArrayList<>();
    m.path("zones").forEach(z -> zones.add(z.asText()));
    List<String> line = new ArrayList<>();
    m.path("command_line").forEach(a -> line.add(a.asText()));
    Map<String, Double> stages = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.path("stage_seconds").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      stages.put(e.getKey(), e.getValue().asDouble());
    }
    return new Run(
        m.path("run_id").asText(),
        m.path("command").asText("?"),
        List.copyOf(line),
        List.copyOf(zones),
        m.path("status").asText("?"),
        instant(m.path("started_at")),
        instant(m.path("ended_at")),
        nested(m.path("counts")),
        nested(m.path("rejects_by_reason")),
        stages,
        m.path("lakebeam").path("version").asText("?"),
        m.path("lakebeam").path("commit").asText("?"));
  }

  /** {"a": {"x": 1}} as a sorted map of maps of numbers; anything not a number is left out. */
  private static Map<String, Map<String, Long>> nested(JsonNode n) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> outer = it.next();
      Map<String, Long> inner = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> in = outer.getValue().fields(); in.hasNext(); ) {
        Map.Entry<String, JsonNode> e = in.next();
        if (e.getValue().isNumber()) {
          inner.put(e.getKey(), e.getValue().asLong());
        }
      }
      out.put(outer.getKey(), inner);
    }
    return out;
  }

  private static Instant instant(JsonNode n) {
    if (!n.isTextual()) {
      return null;
    }
    try {
      return Instant.parse(n.asText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
