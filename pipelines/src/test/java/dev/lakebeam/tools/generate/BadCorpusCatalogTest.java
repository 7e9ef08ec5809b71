package dev.lakebeam.tools.generate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.schemas.RejectReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Test;

/** sample-data/bad/EXPECTED.csv documents every file of the corpus, with valid reason codes. */
public class BadCorpusCatalogTest {
  private static final Path BAD = Path.of("..", "sample-data", "bad");

  @Test
  public void everyFileIsDocumentedWithConsistentCountsAndKnownReasons() throws Exception {
    List<String> lines = Files.readAllLines(BAD.resolve("EXPECTED.csv"));
    assertEquals("file,dataset,clean,rejected,duplicates,reasons,description", lines.get(0));
    Set<String> documented = new HashSet<>();
    Set<String> reasonsSeen = new HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", 7);
      documented.add(f[0]);
      assertTrue(f[0] + " exists", Files.isRegularFile(BAD.resolve(f[0])));
      assertTrue(f[0] + " description", f[6].length() > 10);
      // clean is a count, or a range "min..max" where the decoder decides (a damaged gzip file)
      int clean = Integer.parseInt(f[2].split("\\.\\.")[0]);
      int rejected = Integer.parseInt(f[3]);
      int sum = 0;
      if (!f[5].isEmpty()) {
        for (String rc : f[5].split(";")) {
          String[] kv = rc.split("=");
          RejectReason.valueOf(kv[0]); // throws on an unknown code
          reasonsSeen.add(kv[0]);
          sum += Integer.parseInt(kv[1]);
        }
      }
      assertEquals(f[0] + ": rejected = sum of reason counts", rejected, sum);
      assertTrue(clean >= 0 && Integer.parseInt(f[4]) >= 0);
    }
    try (Stream<Path> s = Files.list(BAD)) {
      Set<String> files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> !n.equals("EXPECTED.csv") && !n.equals("README.md"))
              .collect(Collectors.toSet());
      assertEquals("files in bad/ and rows in EXPECTED.csv", files, documented);
    }
    assertThat("kinds of bad input", documented.size(), greaterThanOrEqualTo(40));
    // Every reason a parser or validator can give is exercised by at least one file. The stream
    // join's LATE_REFERENCE depends on arrival times, not on a record's bytes: StreamStagesTest has
    // it.
    for (RejectReason r : RejectReason.values()) {
      if (!r.stage().equals("join")) {
        assertTrue("no bad file produces " + r, reasonsSeen.contains(r.name()));
      }
    }
  }
}
