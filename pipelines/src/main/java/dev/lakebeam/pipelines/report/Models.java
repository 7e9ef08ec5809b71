package dev.lakebeam.pipelines.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.transforms.curated.ReorderModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reorder models whose quality the report can show, by version: the model shipped in this
 * build, and the model files runs named with {@code --reorderModel} (as their manifests record)
 * that are still on this machine. train-model writes the quality into each model file.
 */
final class Models {
  private Models() {}

  /** A model file's recorded threshold, training and quality, and where it was read from. */
  record Model(
      String version, String source, double threshold, JsonNode training, JsonNode quality) {}

  static Map<String, Model> known(List<Manifests.Run> runs) {
    Map<String, Model> out = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = ReorderModel.class.getResourceAsStream(ReorderModel.RESOURCE)) {
      if (in != null) {
        add(out, json.readTree(in), "the model shipped in this build");
      }
    } catch (IOException e) {
      // without the resource only the model files below can be found
    }
    for (Manifests.Run r : runs) {
      for (String arg : r.commandLine()) {
        if (arg.startsWith("--reorderModel=")) {
          Path file = Path.of(arg.substring("--reorderModel=".length()));
          try {
            if (Files.isRegularFile(file)) {
              add(out, json.readTree(file.toFile()), file.toAbsolutePath().normalize().toString());
            }
          } catch (IOException e) {
            // a file that is no model any more: its quality stays unknown
          }
        }
      }
    }
    return out;
  }

  private static void add(Map<String, Model> out, JsonNode m, String source) {
    if (m != null && m.hasNonNull("model_version")) {
      out.put(
          m.get("model_version").asText(),
          new Model(
              m.get("model_version").asText(),
              source,
              m.path("threshold").asDouble(Double.NaN),
              m.path("training"),
              m.path("quality")));
    }
  }
}
