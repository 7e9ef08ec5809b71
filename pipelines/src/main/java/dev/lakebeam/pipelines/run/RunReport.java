package dev.lakebeam.pipelines.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.rds.Jdbc;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Zone;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;
import org.joda.time.Instant;

/**
 * What a run did, as it goes: its counts, reject reasons, outputs and stage times. At its end the
 * report is written as the run's lineage manifest ({@code {lake}/_manifests/{runId}.json}) and
 * printed as the summary.
 */
public final class RunReport {
  public final String runId;
  public final Instant started;
  private final String command;
  private final String lake;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What the command adds to the manifest: who ran it how, its options, its inputs, what it served.
   */
  public final ObjectNode how = json.createObjectNode();

  public final ObjectNode options = json.createObjectNode();
  public final ArrayNode inputs = json.createArrayNode();
  public final ObjectNode served = json.createObjectNode();
  public final Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
  public final Map<String, Map<String, Long>> reasons = new LinkedHashMap<>();
  public final Map<String, List<String>> outputs = new LinkedHashMap<>();
  public final Map<String, Long> rowsOut = new LinkedHashMap<>();
  private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
  private String keyFingerprint;

  public RunReport(String command, String runId, Instant started, String lakeUri) {
    this.command = command;
    this.runId = runId;
    this.started = started;
    this.lake = manifestsOf(lakeUri);
  }

  /** The folder of a lake's run manifests. */
  public static String manifestsOf(String lakeUri) {
    String lake =
        LakeOptions.forBeam(
            lakeUri.endsWith("/") ? lakeUri.substring(0, lakeUri.length() - 1) : lakeUri);
    return lake + "/_manifests";
  }

  public String manifestPath() {
    return lake + "/" + runId + ".json";
  }

  public void stage(String name, double seconds) {
    stageSeconds.put(name, seconds);
  }

  public Double stageSeconds(String name) {
    return stageSeconds.get(name);
  }

  public void keyFingerprint(String fingerprint) {
    this.keyFingerprint = fingerprint;
  }

  /** An option's value for the manifest: secrets masked, passwords in URLs masked. */
  public static String redactOption(String name, String value) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!n.endsWith("env")
        && !n.endsWith("file")
        && n.matches(".*(password|secret|credential|token).*")) {
      return "***";
    }
    return Jdbc.redact(value).replaceAll("(?i)(\"secretAccessKey\"\\s*:\\s*\")[^\"]*", "$1***");
  }

  /** Writes the manifest with the run's outcome and returns its path. */
  public String writeManifest(String status, String failure, Set<Zone> zones) throws IOException {
    ObjectNode m = json.createObjectNode();
    m.put("run_id", runId);
    m.put("command", command);
    m.put("status", status);
    if (failure != null) {
      m.put("failure", failure);
    }
    BuildInfo build = BuildInfo.current();
    ObjectNode made = m.putObject("lakebeam");
    made.put("version", build.version());
    made.put("commit", build.commit());
    made.put("beam_version", build.beamVersion());
    ObjectNode stages = m.putObject("stage_seconds");
    stageSeconds.forEach((k, v) -> stages.put(k, Math.round(v * 10) / 10.0));
    m.setAll(how);
    m.put("started_at", started.toString());
    m.put("ended_at", Instant.now().toString());
    m.set("options", options);
    if (keyFingerprint != null) {
      m.put(KeyFingerprints.FIELD, keyFingerprint);
    }
    m.set("inputs", inputs);
    m.set("counts", json.valueToTree(counts));
    m.set("rejects_by_reason", json.valueToTree(reasons));
    m.set("outputs", json.valueToTree(outputs));
    m.set("rows_out", json.valueToTree(rowsOut));
    if (!served.isEmpty()) {
      m.set("served", served);
    }
    ArrayNode zoneList = m.putArray("zones");
    zones.forEach(z -> zoneList.add(z.dir()));
    ObjectNode versions = m.putObject("schema_versions");
    for (Dataset d : Dataset.values()) {
      if (zones.contains(d.zone())) {
        versions.put(d.schemaPath(), d.schemaVersion());
      }
    }
    String path = manifestPath();
    try (OutputStream os =
        Channels.newOutputStream(
            FileSystems.create(FileSystems.matchNewResource(path, false), "application/json"))) {
      // Serialize first: Jackson would close the stream itself, and Beam's S3 channel must be
      // closed once.
      os.write(json.writeValueAsBytes(m));
    }
    return path;
  }

  /** The table of records in and their outcomes per source dataset. */
  public void printCounts(PrintStream out) {
    if (!counts.isEmpty()) {
      OutcomeTable.print(
          out, counts, List.of("lines", "in", "clean", "rejected", "duplicates", "skipped"), false);
    }
  }

  /** The rows each output received. */
  public void printRowsOut(PrintStream out) {
    if (rowsOut.isEmpty()) {
      return;
    }
    out.printf(Locale.ROOT, "  %-36s %10s%n", "output", "rows");
    rowsOut.forEach((ds, n) -> out.printf(Locale.ROOT, "  %-36s %,10d%n", ds, n));
  }
}
