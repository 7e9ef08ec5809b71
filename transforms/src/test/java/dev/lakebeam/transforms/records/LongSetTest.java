package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.Test;

public class LongSetTest {
  @Test(timeout = 60_000)
  public void addsAsAHashSetDoesThroughGrowthAndClears() {
    Random random = new Random(7);
    LongSet set = new LongSet();
    for (int round = 0; round < 3; round++) {
      Set<Long> expected = new HashSet<>();
      // rounds of very different sizes: the set grows, then shrinks on clear
      int adds = round == 1 ? 50 : 40_000;
      for (int i = 0; i < adds; i++) {
        long key =
            switch (i % 4) {
              case 0 -> 0L;
              case 1 -> -random.nextInt(1000);
              case 2 -> ((long) random.nextInt(5000) << 32) | random.nextInt(21);
              default -> random.nextLong();
            };
        assertEquals("add " + key, expected.add(key), set.add(key));
      }
      assertEquals(expected.size(), set.size());
      for (Long key : expected) {
        assertFalse("held " + key, set.add(key));
      }
      set.clear();
      assertEquals(0, set.size());
    }
  }

  @Test
  public void keysThatDifferOnlyInTheirHighBitsSpreadOverTheSlots() {
    // (order id << 32) | department with order ids 2^22 apart: a hash of the low bits alone would
    // give them all one slot of a small table, one probe chain
    Set<Integer> slots = new HashSet<>();
    for (long j = 0; j < 1024; j++) {
      slots.add(LongSet.spread((j << 54) | 3) & 1023);
    }
    assertTrue("slots used: " + slots.size(), slots.size() > 512);
  }
}
