package dev.lakebeam.transforms.records;

import java.util.Map;

/**
 * A map of small int keys read once per record: an array indexed by key when the keys are dense
 * enough (ids such as product_id), else the map itself. A lookup per order line in a hash map of
 * 50,000 products costs a cache miss or two on its boxed key; an array costs one.
 */
public final class IntLookup<V> {
  /** Keys up to this bound may go into the array (4 M entries at most, 16 MiB of references). */
  public static final int MAX_DENSE_KEY = 1 << 22;

  private final Object[] dense;
  private final Map<Integer, V> map;

  private IntLookup(Object[] dense, Map<Integer, V> map) {
    this.dense = dense;
    this.map = map;
  }

  /**
   * The lookup of {@code m}: an array when its keys are in [0, 4 × size + 1024) and below the
   * bound.
   */
  public static <V> IntLookup<V> of(Map<Integer, V> m) {
    int max = -1;
    for (Integer k : m.keySet()) {
      if (k == null || k < 0) {
        return new IntLookup<>(null, m);
      }
      max = Math.max(max, k);
    }
    if (max >= MAX_DENSE_KEY || max >= 4L * m.size() + 1024) {
      return new IntLookup<>(null, m);
    }
    Object[] dense = new Object[max + 1];
    m.forEach((k, v) -> dense[k] = v);
    return new IntLookup<>(dense, null);
  }

  /** The value of {@code key}, or null. */
  @SuppressWarnings("unchecked")
  public V get(int key) {
    if (dense != null) {
      return key >= 0 && key < dense.length ? (V) dense[key] : null;
    }
    return map.get(key);
  }
}
