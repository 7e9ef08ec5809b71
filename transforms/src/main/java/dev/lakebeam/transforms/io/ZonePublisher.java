package dev.lakebeam.transforms.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Moves a finished run's files from its staging folder into the zone, replacing exactly the files
 * the run owns: the partitions of its date range, a snapshot dataset whole, or the rejects it wrote
 * before. Works on any Beam filesystem ({@code file://}, {@code s3://}). Staged files replace old
 * files of the same name; old files the run owns but did not write again are then deleted, so a
 * reader sees the old or the new version of a file, never a partial one, and never a partition with
 * fewer files than before the run until the run's own files are all in place.
 */
public final class ZonePublisher {
  private static final Pattern DATE_PARTITION =
      Pattern.compile("year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/");

  private ZonePublisher() {}

  /**
   * What was published: the relative paths of the files written and the count of old files removed.
   */
  public record Published(List<String> files, int removed) {}

  /**
   * @param staging the run's staging folder of one dataset
   * @param target the dataset's folder in the zone
   * @param owned which existing files (by path relative to target) the run replaces
   */
  public static Published publish(String staging, String target, Predicate<String> owned)
      throws IOException {
    String s = slash(staging);
    String t = slash(target);
    List<String> staged = relativeFiles(s);
    List<String> old = relativeFiles(t);
    List<String> written = new ArrayList<>();
    for (String rel : staged) {
      if (rel.contains(".temp-beam")) {
        continue;
      }
      ResourceId src = FileSystems.matchNewResource(s + rel, false);
      ResourceId dst = FileSystems.matchNewResource(t + rel, false);
      // Over the old file, never after deleting it: a local rename replaces it atomically, an S3
      // copy replaces the object whole, so a reader never finds the file (or its partition)
      // missing.
      FileSystems.rename(List.of(src), List.of(dst));
      written.add(rel);
    }
    List<ResourceId> remove = new ArrayList<>();
    for (String rel : old) {
      if (owned.test(rel) && !written.contains(rel)) {
        remove.add(FileSystems.matchNewResource(t + rel, false));
      }
    }
    FileSystems.delete(remove, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    return new Published(written, remove.size());
  }

  /** Owned: every file of the dataset (a snapshot, or a rebuild without a date range). */
  public static Predicate<String> everything() {
    return rel -> true;
  }

  /** Owned: files in year=/month=/day= partitions whose date is in [from, to] (nulls: open). */
  public static Predicate<String> datesBetween(LocalDate from, LocalDate to) {
    return rel -> {
      Matcher m = DATE_PARTITION.matcher(rel);
      if (!m.lookingAt()) {
        return false;
      }
      LocalDate d =
          LocalDate.of(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)));
      return (from == null || !d.isBefore(from)) && (to == null || !d.isAfter(to));
    };
  }

  /**
   * Owned: files whose name starts with a prefix (the rejects of an earlier run of the same scope).
   */
  public static Predicate<String> namedWith(String prefix) {
    return rel -> rel.substring(rel.lastIndexOf('/') + 1).startsWith(prefix);
  }

  /** Deletes everything under a folder (the staging area after publishing). */
  public static void deleteAll(String folder) throws IOException {
    String f = slash(folder);
    List<ResourceId> all = new ArrayList<>();
    for (String rel : relativeFiles(f)) {
      all.add(FileSystems.matchNewResource(f + rel, false));
    }
    FileSystems.delete(all, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    // Object stores have no folders; on a local disk, remove the empty ones left behind.
    if (!f.contains("://") || f.startsWith("file://")) {
      Path dir = f.startsWith("file://") ? Path.of(URI.create(f)) : Path.of(f);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> walk = Files.walk(dir)) {
          for (Path d : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(d);
          }
        }
      }
    }
  }

  /** Files under a folder, as paths relative to it. */
  public static List<String> relativeFiles(String folder) throws IOException {
    String f = slash(folder);
    MatchResult m = FileSystems.match(f + "**", EmptyMatchTreatment.ALLOW);
    List<String> out = new ArrayList<>();
    if (m.status() != MatchResult.Status.OK) {
      return out;
    }
    String base = FileSystems.matchNewResource(f, true).toString();
    for (MatchResult.Metadata md : m.metadata()) {
      String p = md.resourceId().toString();
      if (p.startsWith(base)) {
        out.add(p.substring(base.length()));
      }
    }
    out.sort(null);
    return out;
  }

  static String slash(String s) {
    return s.endsWith("/") ? s : s + "/";
  }
}
