package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

public class OpenBlocksTest {
  private static final Schema SCHEMA =
      Schema.builder().addInt32Field("id").addStringField("text").build();
  private static final RowCoder CODER = RowCoder.of(SCHEMA);

  @Test
  public void whatIsHeldOpenStaysUnderTheBoundWhateverTheNumberOfKeysAndNoRowIsLost() {
    long bound = 256 << 10;
    OpenBlocks<Integer> open = new OpenBlocks<>(3, CODER, bound);
    Map<Integer, List<Integer>> out = new TreeMap<>();
    List<Integer> blockSizes = new ArrayList<>();
    String text = "x".repeat(200);
    int rows = 20_000;
    long maxHeld = 0;
    for (int i = 0; i < rows; i++) {
      open.add(
          i % 1000,
          Row.withSchema(SCHEMA).addValues(i, text).build(),
          (key, block) -> {
            assertEquals(3, block.kind());
            blockSizes.add(block.count());
            for (Row r : block.rows(CODER)) {
              assertEquals("a row in its key's block", key.intValue(), r.getInt32("id") % 1000);
              out.computeIfAbsent(key, k -> new ArrayList<>()).add(r.getInt32("id"));
            }
          });
      maxHeld = Math.max(maxHeld, open.openBytes());
    }
    assertTrue("flushed before the end: " + blockSizes.size(), !blockSizes.isEmpty());
    open.flush(
        (key, block) -> {
          assertTrue("no empty block", block.count() > 0);
          block
              .rows(CODER)
              .forEach(r -> out.computeIfAbsent(key, k -> new ArrayList<>()).add(r.getInt32("id")));
        });
    assertEquals(0, open.openBytes());
    assertTrue("held " + maxHeld, maxHeld <= bound);
    assertEquals(1000, out.size());
    assertEquals(rows, out.values().stream().mapToInt(List::size).sum());
    for (List<Integer> ids : out.values()) {
      assertEquals(
          "each id once, in order within its key", ids.stream().sorted().distinct().toList(), ids);
    }
  }

  @Test
  public void aFullBlockIsHandedOverAtOnce() {
    OpenBlocks<String> open = new OpenBlocks<>(0, CODER);
    List<Integer> counts = new ArrayList<>();
    String text = "y".repeat(1000);
    for (int i = 0; i < 200; i++) {
      open.add(
          "day=01",
          Row.withSchema(SCHEMA).addValues(i, text).build(),
          (key, block) -> counts.add(block.count()));
    }
    assertEquals("a block of 64 KiB after about 65 rows of 1 KiB", 3, counts.size());
    assertTrue(counts.toString(), counts.get(0) >= 60 && counts.get(0) <= 70);
  }

  @Test
  public void keysInTheArrayAndInTheMapAreAllHandedOverUnderTheirKeys() {
    OpenBlocks<Integer> open = new OpenBlocks<>(1, CODER);
    int[] keys = {-7, 0, 5, OpenBlocks.MAX_ARRAY_KEY - 1, OpenBlocks.MAX_ARRAY_KEY, 1 << 30};
    Map<Integer, List<Integer>> out = new TreeMap<>();
    for (int round = 0; round < 2; round++) {
      // the second round fills half of the keys: the others' kept builders are empty at its flush
      int used = round == 0 ? keys.length : 3;
      for (int i = 0; i < 600; i++) {
        int key = keys[i % used];
        open.add(
            key,
            Row.withSchema(SCHEMA).addValues(i + 600 * round, "k" + key).build(),
            (k, block) -> {
              throw new AssertionError("nothing is full yet");
            });
      }
      open.flush(
          (k, block) -> {
            assertTrue("no empty block", block.count() > 0);
            block
                .rows(CODER)
                .forEach(
                    r -> {
                      assertEquals("k" + k, r.getString("text"));
                      out.computeIfAbsent(k, x -> new ArrayList<>()).add(r.getInt32("id"));
                    });
          });
      assertEquals(0, open.openBytes());
    }
    assertEquals(keys.length, out.size());
    for (int i = 0; i < keys.length; i++) {
      assertEquals("key " + keys[i], i < 3 ? 300 : 100, out.get(keys[i]).size());
    }
  }
}
