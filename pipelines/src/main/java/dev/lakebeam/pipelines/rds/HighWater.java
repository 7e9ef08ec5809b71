package dev.lakebeam.pipelines.rds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The bookmark of incremental RDS runs, like a Glue job bookmark: per table, the latest {@code
 * updated_at} a successful run has read, kept in {@code {lake}/_state/rds_high_water.json}. Only a
 * successful run writes it, so a failed run reads the same rows again next time.
 */
public final class HighWater {
  private HighWater() {}

  public static String path(String lake) {
    return lake + "/_state/rds_high_water.json";
  }

  /** The marks by table name; empty when no run has written them. */
  public static Map<String, Instant> read(String lake) throws IOException {
    Map<String, Instant> out = new TreeMap<>();
    MatchResult m = FileSystems.match(path(lake), EmptyMatchTreatment.ALLOW);
    if (m.status() != MatchResult.Status.OK || m.metadata().isEmpty()) {
      return out;
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(m.metadata().get(0).resourceId()))) {
      JsonNode marks = new ObjectMapper().readTree(in).get("high_water");
      for (Iterator<Map.Entry<String, JsonNode>> it = marks.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), Instant.parse(e.getValue().asText()));
      }
    }
    return out;
  }

  public static void write(String lake, Map<String, Instant> marks, String runId)
      throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("run_id", runId);
    ObjectNode m = root.putObject("high_water");
    new TreeMap<>(marks).forEach((t, i) -> m.put(t, i.toString()));
    ResourceId dst = FileSystems.matchNewResource(path(lake), false);
    try (OutputStream os = Channels.newOutputStream(FileSystems.create(dst, "application/json"))) {
      os.write(json.writeValueAsBytes(root));
    }
  }
}
