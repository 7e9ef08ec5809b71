package dev.lakebeam.pipelines.stream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;

/**
 * Beam's FlinkRunner hands {@code --savepointPath} to remote clusters only; for the embedded {@code
 * [local]} cluster the restore goes through Flink's configuration instead: a copy of the {@code
 * --flinkConfDir} configuration (if any) with {@code execution.savepoint.path} set. A retained
 * checkpoint ({@code .../chk-N}) restores like a savepoint.
 */
final class LocalFlinkSavepoint {
  private LocalFlinkSavepoint() {}

  static void restore(PipelineOptions options) throws IOException {
    if (!options.getRunner().getSimpleName().equals("FlinkRunner")) {
      return;
    }
    FlinkPipelineOptions f = options.as(FlinkPipelineOptions.class);
    if (f.getSavepointPath() == null || !"[local]".equals(f.getFlinkMaster())) {
      return;
    }
    Configuration c =
        f.getFlinkConfDir() == null
            ? new Configuration()
            : GlobalConfiguration.loadConfiguration(f.getFlinkConfDir());
    c.set(SavepointConfigOptions.SAVEPOINT_PATH, f.getSavepointPath());
    c.set(
        SavepointConfigOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE,
        Boolean.TRUE.equals(f.getAllowNonRestoredState()));
    Path dir = Files.createTempDirectory("lakebeam-flink-conf");
    StringBuilder yaml = new StringBuilder();
    for (Map.Entry<String, String> e : c.toMap().entrySet()) {
      yaml.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    Files.writeString(dir.resolve("flink-conf.yaml"), yaml.toString(), StandardCharsets.UTF_8);
    dir.toFile().deleteOnExit();
    dir.resolve("flink-conf.yaml").toFile().deleteOnExit();
    f.setFlinkConfDir(dir.toString());
  }
}
