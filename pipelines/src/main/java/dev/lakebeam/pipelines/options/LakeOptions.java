package dev.lakebeam.pipelines.options;

import dev.lakebeam.schemas.Zone;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where the lake and its zones are: {@code file://} or {@code s3://} URIs (DESIGN §3). */
@OptionGroup("Lake and zones")
public interface LakeOptions extends PipelineOptions {
  @Description(
      "Root URI of the lake (file:///path or s3://bucket/prefix); zones default to {lake}/{zone}.")
  @Default.String("file:///tmp/lakebeam/lake")
  String getLake();

  void setLake(String value);

  @Description("URI of the raw zone; default {lake}/raw.")
  String getRawZone();

  void setRawZone(String value);

  @Description("URI of the clean zone; default {lake}/clean.")
  String getCleanZone();

  void setCleanZone(String value);

  @Description("URI of the curated zone; default {lake}/curated.")
  String getCuratedZone();

  void setCuratedZone(String value);

  @Description("URI of the consumption zone; default {lake}/consumption.")
  String getConsumptionZone();

  void setConsumptionZone(String value);

  /** The URI of a zone: its own option if set, else {@code {lake}/{zone}}; no trailing slash. */
  static String zoneUri(LakeOptions o, Zone zone) {
    String explicit =
        switch (zone) {
          case RAW -> o.getRawZone();
          case CLEAN -> o.getCleanZone();
          case CURATED -> o.getCuratedZone();
          case CONSUMPTION -> o.getConsumptionZone();
        };
    String uri = explicit != null ? explicit : stripSlash(o.getLake()) + "/" + zone.dir();
    return stripSlash(uri);
  }

  /**
   * A URI as Beam's filesystems take it: {@code file:///x} becomes the path {@code /x} (Beam's
   * local filesystem does not parse file: URIs in every API); other schemes are unchanged.
   */
  public static String forBeam(String uri) {
    if (uri.startsWith("file:")) { // file:///x and Java's file:/x alike
      try {
        return Path.of(URI.create(uri)).toString();
      } catch (IllegalArgumentException e) {
        throw new UsageException("a file URI must be absolute (file:///path), was " + uri);
      }
    }
    return uri;
  }

  /** {@link #zoneUri} in the form Beam's filesystems take. */
  public static String zonePath(LakeOptions o, Zone zone) {
    return forBeam(zoneUri(o, zone));
  }

  /**
   * Refuses, before anything runs, a lake or zone a run could not write: a scheme other than {@code
   * file} and {@code s3}, or a local path under a regular file or in a folder that cannot be
   * written.
   */
  static void checkWritable(LakeOptions o) {
    List<String> uris = new ArrayList<>(List.of(o.getLake()));
    for (Zone z : Zone.values()) {
      uris.add(zoneUri(o, z));
    }
    for (String uri : uris) {
      int colon = uri.indexOf("://");
      String scheme = colon < 0 ? (uri.startsWith("file:") ? "file" : "") : uri.substring(0, colon);
      if (!scheme.isEmpty() && !scheme.equals("file") && !scheme.equals("s3")) {
        throw new UsageException(
            "--lake and the zones take file:// or s3:// URIs (or a local path); '"
                + scheme
                + "://' is not supported");
      }
      if (scheme.equals("s3")) {
        continue;
      }
      Path p = Path.of(forBeam(uri)).toAbsolutePath().normalize();
      Path existing = p;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null && !Files.isDirectory(existing)) {
        throw new UsageException(uri + " cannot be a lake folder: " + existing + " is a file");
      }
      if (existing != null && !Files.isWritable(existing)) {
        throw new UsageException(uri + " cannot be written: " + existing + " is not writable");
      }
    }
  }

  /**
   * Whether every zone of the lake is on this machine's disk (the development HMAC key is for those
   * alone).
   */
  static boolean isLocal(LakeOptions o) {
    List<String> uris = new ArrayList<>(List.of(o.getLake()));
    for (Zone z : Zone.values()) {
      uris.add(zoneUri(o, z));
    }
    return uris.stream().allMatch(u -> !u.contains("://") || u.startsWith("file:"));
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
