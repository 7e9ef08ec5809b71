package dev.lakebeam.pipelines.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.transforms.io.ZonePublisher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Which HMAC key made a lake's PII tokens: each manifest of a run that tokenized records holds the
 * key's fingerprint ({@code Tokenizer.fingerprint()}, never the key), and a run with another key is
 * refused, since its tokens would not join the lake's.
 */
public final class KeyFingerprints {
  /** The manifest field. */
  public static final String FIELD = "key_fingerprint";

  private KeyFingerprints() {}

  /**
   * Refuses the run (a usage error) when the newest successful run in the manifests folder that
   * recorded a fingerprint recorded another one; a lake without one accepts any key.
   */
  public static void check(String manifests, String fingerprint, String command)
      throws IOException {
    List<String> names =
        ZonePublisher.relativeFiles(manifests).stream()
            .filter(n -> n.endsWith(".json") && !n.contains("/"))
            .toList();
    ObjectMapper json = new ObjectMapper();
    for (int i = names.size() - 1;
        i >= 0;
        i--) { // run ids start with their UTC start time: newest last
      JsonNode m;
      try (InputStream in =
          Channels.newInputStream(
              FileSystems.open(
                  FileSystems.matchNewResource(manifests + "/" + names.get(i), false)))) {
        m = json.readTree(in);
      } catch (JsonProcessingException e) {
        continue; // not a manifest of ours
      }
      if (m == null || !"SUCCEEDED".equals(m.path("status").asText()) || !m.hasNonNull(FIELD)) {
        continue;
      }
      String lakes = m.path(FIELD).asText();
      if (!lakes.equals(fingerprint)) {
        throw new UsageException(
            command
                + " refused: this lake's PII tokens were made with another HMAC key (key fingerprint "
                + lakes
                + " in run "
                + m.path("run_id").asText()
                + "; this key's is "
                + fingerprint
                + "), so its tokens would not "
                + "join the lake's. Use the lake's key, or a new lake");
      }
      return;
    }
  }
}
