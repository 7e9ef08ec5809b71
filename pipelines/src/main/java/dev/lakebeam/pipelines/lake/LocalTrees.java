package dev.lakebeam.pipelines.lake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Folder trees on the local disk (a dataset of one local lake copied into another). */
public final class LocalTrees {
  private LocalTrees() {}

  /** Copies the tree under {@code from} to {@code to}; {@code from} must exist. */
  public static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path f : s.toList()) {
        Path dst = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(f, dst);
        }
      }
    }
  }
}
