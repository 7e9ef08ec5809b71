package dev.lakebeam.pipelines.plan;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * The house plan, drawn from the main sources of every module: no package depends on itself through
 * others.
 */
public class HousePlanTest {
  private static final Pattern PACKAGE =
      Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\.\\w+;", Pattern.MULTILINE);
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b((?:[a-z]\\w*\\.){2,}[a-z]\\w*)\\.[A-Z]\\w*");

  @Test
  public void noPackageCycles() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    Path root = Path.of("").toAbsolutePath().getParent();
    for (String module : List.of("schemas", "transforms", "pipelines")) {
      Path src = root.resolve(module).resolve("src/main/java");
      assertTrue(src + " exists", Files.isDirectory(src));
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          Matcher p = PACKAGE.matcher(text);
          if (!p.find()) {
            continue;
          }
          Set<String> to = uses.computeIfAbsent(p.group(1), k -> new TreeSet<>());
          for (Pattern ref : List.of(IMPORT, QUALIFIED)) {
            Matcher m = ref.matcher(text);
            while (m.find()) {
              to.add(m.group(1));
            }
          }
        }
      }
    }
    uses.forEach((pkg, to) -> to.removeIf(q -> q.equals(pkg) || !uses.containsKey(q)));
    assertTrue("packages found: " + uses.keySet(), uses.size() > 10);
    assertEquals("package cycles", List.of(), cycles(uses));
  }

  @Test
  public void everyPipelinesWiringIsUnder150Lines() throws IOException {
    Path pipelines = Path.of("src/main/java/dev/lakebeam/pipelines");
    for (String wiring :
        List.of(
            "backfill/CleanStage.java",
            "backfill/CuratedStage.java",
            "stream/StreamIo.java",
            "stream/StreamStages.java",
            "stream/StreamParse.java")) {
      long lines = Files.readAllLines(pipelines.resolve(wiring)).size();
      assertTrue(wiring + " has " + lines + " lines", lines < 150);
    }
  }

  /** The strongly connected sets of two or more packages (Tarjan). */
  private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    List<String> stack = new ArrayList<>();
    List<Set<String>> out = new ArrayList<>();
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, out);
      }
    }
    return out;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> graph,
      Map<String, Integer> index,
      Map<String, Integer> low,
      List<String> stack,
      List<Set<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.add(v);
    for (String w : graph.get(v)) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, out);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.remove(stack.size() - 1);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }
}
