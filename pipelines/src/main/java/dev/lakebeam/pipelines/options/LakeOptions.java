package dev.lakebeam.pipelines.options;

import dev.lakebeam.schemas.Zone;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Where the lake and its zones are: {@code file://} or {@code s3://} URIs (DESIGN §3). */
public interface LakeOptions extends PipelineOptions {
  @Description("Root URI of the lake (file:///path or s3://bucket/prefix); zones default to {lake}/{zone}.")
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
        return java.nio.file.Path.of(java.net.URI.create(uri)).toString();
      } catch (IllegalArgumentException e) {
        throw new dev.lakebeam.pipelines.cli.UsageException("a file URI must be absolute (file:///path), was " + uri);
      }
    }
    return uri;
  }

  /** {@link #zoneUri} in the form Beam's filesystems take. */
  public static String zonePath(LakeOptions o, Zone zone) {
    return forBeam(zoneUri(o, zone));
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
