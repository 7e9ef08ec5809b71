package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.HashMap;
import java.util.Map;
import org.junit.Test;

/** Dense keys go into an array, others stay in the map; both answer alike. */
public class IntLookupTest {
  private static void assertAnswersLike(Map<Integer, String> m, int... probes) {
    IntLookup<String> lookup = IntLookup.of(m);
    for (int k : probes) {
      assertEquals("key " + k, m.get(k), lookup.get(k));
    }
  }

  @Test
  public void denseAndSparseKeysAnswerAsTheMap() {
    Map<Integer, String> dense = new HashMap<>();
    for (int i = 1; i <= 500; i++) {
      dense.put(i * 3, "v" + i);
    }
    assertAnswersLike(dense, -1, 0, 1, 3, 4, 1500, 1501, 1_000_000, Integer.MAX_VALUE);

    Map<Integer, String> sparse = new HashMap<>(dense);
    sparse.put(IntLookup.MAX_DENSE_KEY + 7, "far");
    sparse.put(-5, "negative");
    assertAnswersLike(sparse, -5, -1, 0, 3, IntLookup.MAX_DENSE_KEY + 7, IntLookup.MAX_DENSE_KEY);

    assertNull(IntLookup.<String>of(Map.of()).get(0));
  }
}
