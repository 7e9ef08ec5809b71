package dev.lakebeam.pipelines.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.beam.sdk.util.ReleaseInfo;

/** What this jar is: lakebeam's version and commit (from the build), and Beam's version. */
public record BuildInfo(String version, String commit, boolean dirty, String beamVersion) {
  private static final BuildInfo CURRENT = load();

  public static BuildInfo current() {
    return CURRENT;
  }

  private static BuildInfo load() {
    Properties p = new Properties();
    try (InputStream in =
        BuildInfo.class.getClassLoader().getResourceAsStream("lakebeam-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // an unreadable resource leaves the values unknown
    }
    return new BuildInfo(
        known(p.getProperty("version")),
        known(p.getProperty("commit")),
        "true".equals(p.getProperty("dirty")),
        ReleaseInfo.getReleaseInfo().getSdkVersion());
  }

  /** A value the build filled in, or "unknown" (no resource, or built outside a git checkout). */
  private static String known(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
  }

  /** One line, e.g. {@code lakebeam 0.1.0-SNAPSHOT (commit 8d171af, Apache Beam 2.70.0)}. */
  public String line() {
    return "lakebeam "
        + version
        + " (commit "
        + commit
        + (dirty ? ", with uncommitted changes" : "")
        + ", Apache Beam "
        + beamVersion
        + ")";
  }
}
