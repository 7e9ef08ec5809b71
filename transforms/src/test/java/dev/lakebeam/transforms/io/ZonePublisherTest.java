package dev.lakebeam.transforms.io;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ZonePublisherTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static void write(Path root, String rel, String content) throws Exception {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  @Test
  public void replacesExactlyThePartitionsOfTheRange() throws Exception {
    Path zone = tmp.newFolder("zone").toPath();
    Path staging = tmp.newFolder("staging").toPath();
    write(zone, "year=2025/month=06/day=01/part-00000-of-00001.parquet", "old-1");
    write(zone, "year=2025/month=06/day=02/part-00000-of-00002.parquet", "old-2a");
    write(zone, "year=2025/month=06/day=02/part-00001-of-00002.parquet", "old-2b");
    write(zone, "year=2025/month=06/day=03/part-00000-of-00001.parquet", "old-3");
    write(staging, "year=2025/month=06/day=02/part-00000-of-00001.parquet", "new-2");
    ZonePublisher.Published p =
        ZonePublisher.publish(
            staging.toString(),
            zone.toString(),
            ZonePublisher.datesBetween(
                LocalDate.parse("2025-06-02"), LocalDate.parse("2025-06-03")));
    assertEquals(List.of("year=2025/month=06/day=02/part-00000-of-00001.parquet"), p.files());
    assertEquals(3, p.removed());
    assertEquals(
        List.of(
            "year=2025/month=06/day=01/part-00000-of-00001.parquet",
            "year=2025/month=06/day=02/part-00000-of-00001.parquet"),
        ZonePublisher.relativeFiles(zone.toString()));
    assertEquals(
        "new-2",
        Files.readString(zone.resolve("year=2025/month=06/day=02/part-00000-of-00001.parquet")));
    assertEquals(List.of(), ZonePublisher.relativeFiles(staging.toString()));
  }

  @Test
  public void rejectsOfOtherScopesStay() throws Exception {
    Path zone = tmp.newFolder("rz").toPath();
    Path staging = tmp.newFolder("rs").toPath();
    write(zone, "orders/ingest_date=2025-06-01/rejects-aaa-00000-of-00001.parquet", "mine-old");
    write(zone, "orders/ingest_date=2025-06-01/rejects-bbb-00000-of-00001.parquet", "other");
    write(staging, "orders/ingest_date=2025-06-02/rejects-aaa-00000-of-00001.parquet", "mine-new");
    ZonePublisher.publish(
        staging.toString(), zone.toString(), ZonePublisher.namedWith("rejects-aaa"));
    assertEquals(
        List.of(
            "orders/ingest_date=2025-06-01/rejects-bbb-00000-of-00001.parquet",
            "orders/ingest_date=2025-06-02/rejects-aaa-00000-of-00001.parquet"),
        ZonePublisher.relativeFiles(zone.toString()));
  }

  @Test
  public void deleteAllLeavesNoFolders() throws Exception {
    Path staging = tmp.newFolder("run").toPath();
    write(staging, "a/b/c.parquet", "x");
    ZonePublisher.deleteAll(staging.toString());
    assertEquals(false, Files.exists(staging));
  }
}
