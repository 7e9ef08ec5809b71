package dev.lakebeam.pipelines.run;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
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
}
