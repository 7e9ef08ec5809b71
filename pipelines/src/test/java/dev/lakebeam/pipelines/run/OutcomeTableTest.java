package dev.lakebeam.pipelines.run;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.Test;

public class OutcomeTableTest {
  @Test
  public void printsTheHeaderAndOnlyTheDatasetsWithRecordsIn() {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    counts.put(
        "orders",
        Map.of("in", 1234L, "clean", 1200L, "rejected", 30L, "duplicates", 4L, "skipped", 0L));
    counts.put(
        "order_lines",
        Map.of("in", 0L, "clean", 0L, "rejected", 0L, "duplicates", 0L, "skipped", 0L));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    OutcomeTable.print(out, counts, List.of("in", "clean", "rejected", "duplicates"));
    String n = System.lineSeparator();
    assertEquals(
        "  source                   in      clean   rejected duplicates"
            + n
            + "  orders                1,234      1,200         30          4"
            + n,
        bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  public void theBackfillsTableKeepsItsFormerLayoutWithEveryDatasetAndItsLines() {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    counts.put(
        "orders",
        new LinkedHashMap<>(
            Map.of(
                "lines",
                1301L,
                "in",
                1300L,
                "clean",
                1290L,
                "rejected",
                5L,
                "duplicates",
                3L,
                "skipped",
                2L)));
    counts.put(
        "customers",
        new LinkedHashMap<>(
            Map.of("in", 0L, "clean", 0L, "rejected", 0L, "duplicates", 0L, "skipped", 0L)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    OutcomeTable.print(
        out, counts, List.of("lines", "in", "clean", "rejected", "duplicates", "skipped"), false);
    String former = "  %-16s %10s %,10d %,10d %,10d %,10d %,10d%n";
    String expected =
        String.format(
                Locale.ROOT,
                "  %-16s %10s %10s %10s %10s %10s %10s%n",
                "source",
                "lines",
                "in",
                "clean",
                "rejected",
                "duplicates",
                "skipped")
            + String.format(Locale.ROOT, former, "orders", "1,301", 1300L, 1290L, 5L, 3L, 2L)
            + String.format(Locale.ROOT, former, "customers", "-", 0L, 0L, 0L, 0L, 0L);
    assertEquals(expected, bytes.toString(StandardCharsets.UTF_8));
  }
}
