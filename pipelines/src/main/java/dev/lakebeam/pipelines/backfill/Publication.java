package dev.lakebeam.pipelines.backfill;

import dev.lakebeam.pipelines.rds.HighWater;
import dev.lakebeam.pipelines.rds.Incremental;
import dev.lakebeam.pipelines.run.RunMetrics;
import dev.lakebeam.pipelines.run.RunReport;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.transforms.io.ParquetFiles;
import dev.lakebeam.transforms.io.ZonePublisher;
import dev.lakebeam.transforms.records.RejectBudget;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Publishing a finished clean stage: only when every record is accounted for, the rejects are
 * within budget and no dataset shrinks unasked; then over exactly the partitions the run owns.
 */
final class Publication {
  private Publication() {}

  static void publish(BackfillPlan plan, RunReport report, RejectBudget budget, boolean allowShrink)
      throws IOException {
    List<String> broken = RunMetrics.unaccounted(report.counts);
    if (!broken.isEmpty()) {
      throw new IllegalStateException(
          "records unaccounted for; nothing was published: " + String.join("; ", broken));
    }
    String rejected = plan.clean + "/" + Dataset.REJECTED_DIR;
    String overBudget = budget.exceeded(report.counts);
    if (overBudget
        != null) { // the rejects are what the user needs now: published; the clean data is not
      publishRejects(plan, report);
      ZonePublisher.deleteAll(plan.staging);
      removeEmptyStaging(plan.clean);
      throw new IllegalStateException(
          overBudget + "; no clean data was published, the rejects are in " + rejected);
    }
    Map<Dataset, Predicate<String>> owned = new EnumMap<>(Dataset.class);
    for (Dataset d : plan.written) {
      owned.put(
          d,
          plan.rewrite.containsKey(d)
              ? Incremental.partitionsIn(plan.rewrite.get(d))
              : d.partitioning() == Partitioning.EVENT_DATE
                      && (plan.from != null || plan.to != null)
                  ? ZonePublisher.datesBetween(plan.from, plan.to)
                  : ZonePublisher.everything());
    }
    if (!allowShrink && !plan.incremental) {
      String shrinks = shrinks(plan.written, owned, plan.staging, plan.clean);
      if (shrinks != null) {
        ZonePublisher.deleteAll(plan.staging);
        removeEmptyStaging(plan.clean);
        throw new IllegalStateException(
            shrinks
                + "; nothing was published (the lake is as it was). If that is meant, "
                + "rerun with --allowShrink");
      }
    }
    for (Dataset d : plan.written) {
      ZonePublisher.Published pub =
          ZonePublisher.publish(
              plan.staging + "/" + d.datasetName(),
              plan.clean + "/" + d.datasetName(),
              owned.get(d));
      report.outputs.put(d.datasetName(), pub.files());
    }
    publishRejects(plan, report);
    ZonePublisher.deleteAll(plan.staging);
    if (plan.incremental) {
      HighWater.write(plan.lake, plan.newMarks, plan.runId);
    }
    removeEmptyStaging(plan.clean);
  }

  private static void publishRejects(BackfillPlan plan, RunReport report) throws IOException {
    ZonePublisher.Published rej =
        ZonePublisher.publish(
            plan.staging + "/" + Dataset.REJECTED_DIR,
            plan.clean + "/" + Dataset.REJECTED_DIR,
            ZonePublisher.namedWith(plan.rejectScope));
    report.outputs.put(Dataset.REJECTED_DIR, rej.files());
  }

  /**
   * The clean datasets whose staged rows are fewer than half the rows of the published files the
   * run would replace (none: null). A 0-byte orders file rerun over a lake would otherwise publish
   * empty orders and order lines over the real ones, and exit 0.
   */
  static String shrinks(
      List<Dataset> written, Map<Dataset, Predicate<String>> owned, String staging, String clean)
      throws IOException {
    List<String> out = new ArrayList<>();
    for (Dataset d : written) {
      long now = ParquetFiles.rowCount(clean + "/" + d.datasetName(), owned.get(d));
      if (now == 0) {
        continue; // nothing published to shrink
      }
      long next = ParquetFiles.rowCount(staging + "/" + d.datasetName(), rel -> true);
      if (next * 2 < now) {
        out.add(
            String.format(
                Locale.ROOT, "clean/%s would go from %,d rows to %,d", d.datasetName(), now, next));
      }
    }
    return out.isEmpty()
        ? null
        : "this run would replace published data with far fewer rows: " + String.join("; ", out);
  }

  /**
   * Removes a zone's _staging folder once no run uses it (a local disk keeps empty folders; object
   * stores have none).
   */
  static void removeEmptyStaging(String zone) throws IOException {
    if (!zone.contains("://")) {
      try {
        Files.deleteIfExists(Path.of(zone, "_staging"));
      } catch (DirectoryNotEmptyException e) {
        // another run is staging: leave it
      }
    }
  }
}
