package dev.lakebeam.pipelines.options;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Runner profiles: named sets of pipeline options in {@code runner-profiles/<name>.properties}
 * (DESIGN §5). A profile is looked up, in order, as a path to a {@code .properties} file, in the
 * folder {@code $LAKEBEAM_PROFILES_DIR}, in {@code ./runner-profiles}, and in the copies built into
 * the jar. The key {@value #DESCRIPTION_KEY} is the profile's one-line description; every other key
 * is a pipeline option name without the leading {@code --}.
 */
public final class Profiles {
  public static final String DEFAULT_PROFILE = "local";
  public static final String DESCRIPTION_KEY = "profile.description";

  /** The profiles that ship with lakebeam (and are built into the jar). */
  public static final List<String> BUILT_IN =
      List.of(
          "direct", "local", "local-streaming", "flink-cluster", "emr-backfill", "emr-streaming");

  /** A loaded profile. Options keep the file's order. */
  public record Profile(
      String name, String description, String source, Map<String, String> options) {}

  private final List<Path> dirs;

  public Profiles(List<Path> dirs) {
    this.dirs = dirs;
  }

  /** The default lookup folders: $LAKEBEAM_PROFILES_DIR, then ./runner-profiles. */
  public static Profiles standard() {
    List<Path> dirs = new ArrayList<>();
    String env = System.getenv("LAKEBEAM_PROFILES_DIR");
    if (env != null && !env.isBlank()) {
      dirs.add(Path.of(env));
    }
    dirs.add(Path.of("runner-profiles"));
    return new Profiles(dirs);
  }

  /** Names of every profile that can be loaded: the built-in ones and any in the folders. */
  public List<String> names() {
    TreeSet<String> names = new TreeSet<>(BUILT_IN);
    for (Path dir : dirs) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".properties"))
              .forEach(n -> names.add(n.substring(0, n.length() - ".properties".length())));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + dir, e);
        }
      }
    }
    List<String> ordered = new ArrayList<>(BUILT_IN);
    names.stream().filter(n -> !BUILT_IN.contains(n)).forEach(ordered::add);
    return ordered;
  }

  /**
   * Loads a profile by name or path.
   *
   * @throws IllegalArgumentException if there is no such profile (the message lists the valid
   *     names)
   */
  public Profile load(String nameOrPath) {
    if (nameOrPath.endsWith(".properties")) {
      Path p = Path.of(nameOrPath);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException("no profile file " + p.toAbsolutePath());
      }
      return read(stripExt(p.getFileName().toString()), p.toString(), open(p));
    }
    if (!nameOrPath.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("bad profile name '" + nameOrPath + "'");
    }
    for (Path dir : dirs) {
      Path p = dir.resolve(nameOrPath + ".properties");
      if (Files.isRegularFile(p)) {
        return read(nameOrPath, p.toString(), open(p));
      }
    }
    String resource = "runner-profiles/" + nameOrPath + ".properties";
    InputStream in = Profiles.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalArgumentException(
          "unknown profile '" + nameOrPath + "'; valid profiles: " + String.join(", ", names()));
    }
    return read(nameOrPath, "classpath:" + resource, in);
  }

  private static InputStream open(Path p) {
    try {
      return Files.newInputStream(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read profile " + p, e);
    }
  }

  private static Profile read(String name, String source, InputStream in) {
    List<String> order = new ArrayList<>();
    // Properties forgets the order of its keys; remember it, so options apply as written.
    Properties props =
        new Properties() {
          @Override
          public synchronized Object put(Object key, Object value) {
            order.remove(key.toString());
            order.add(key.toString());
            return super.put(key, value);
          }
        };
    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read profile " + source, e);
    }
    Map<String, String> options = new LinkedHashMap<>();
    for (String key : order) {
      if (!key.equals(DESCRIPTION_KEY)) {
        options.put(key, props.getProperty(key).trim());
      }
    }
    String description = props.getProperty(DESCRIPTION_KEY, "(no description)");
    return new Profile(name, description, source, options);
  }

  private static String stripExt(String n) {
    return n.substring(0, n.length() - ".properties".length());
  }
}
