package dev.lakebeam.transforms.records;

import java.util.Arrays;

/**
 * A set of longs in one array (open addressing, linear probing), for a set with one add per record,
 * cleared per bucket (the enrichment's (order, department) pairs): {@code HashSet<Long>} allocates
 * a node and a boxed key per add.
 */
public final class LongSet {
  private static final long EMPTY = 0L;
  private static final int MIN_CAPACITY = 16;

  private long[] slots = new long[MIN_CAPACITY];
  private int size;

  // 0 marks an empty slot, so the key 0 is held apart
  private boolean hasZero;

  /** Adds a key; whether it was not there yet. */
  public boolean add(long key) {
    if (key == EMPTY) {
      boolean added = !hasZero;
      hasZero = true;
      return added;
    }
    int mask = slots.length - 1;
    int i = spread(key) & mask;
    while (slots[i] != EMPTY) {
      if (slots[i] == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
    slots[i] = key;
    if (++size * 2 > slots.length) {
      grow();
    }
    return true;
  }

  /** Keys held. */
  public int size() {
    return size + (hasZero ? 1 : 0);
  }

  /** Empties the set; it keeps its capacity unless that is far above what it held. */
  public void clear() {
    if (slots.length > MIN_CAPACITY && size * 8 < slots.length) {
      slots = new long[Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size) * 4))];
    } else {
      Arrays.fill(slots, EMPTY);
    }
    size = 0;
    hasZero = false;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    int mask = slots.length - 1;
    for (long key : old) {
      if (key != EMPTY) {
        int i = spread(key) & mask;
        while (slots[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        slots[i] = key;
      }
    }
  }

  /**
   * All of the key's bits into the low ones a slot is chosen by: the halves folded first (a
   * product's low bits depend only on the factor's low bits), then a multiplicative hash.
   */
  static int spread(long key) {
    long h = (key ^ (key >>> 32)) * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
