package dev.lakebeam.transforms.records;

import java.io.Serializable;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Side-input values read once per bundle and window instead of once per element. The Flink runner's
 * side-input read builds a descriptive string of the view on every call, too dear to pay per
 * element. A DoFn holds one of these in a field and calls {@link #reset()} in {@code @StartBundle},
 * so a stream still sees a side input's newer panes from its next bundle on. Serializable with the
 * DoFn; the values are not.
 */
public final class BundleSideInputs implements Serializable {
  private static final long serialVersionUID = 1L;
  private transient BoundedWindow window;
  private transient Map<PCollectionView<?>, Object> values;

  public void reset() {
    window = null;
    values = null;
    copies = null;
  }

  @SuppressWarnings("unchecked")
  public <T> T get(PCollectionView<T> view, BoundedWindow w, DoFn<?, ?>.ProcessContext c) {
    if (values == null || !w.equals(window)) {
      // by identity: a DoFn passes its own view objects, and a view's hashCode is not cached
      values = new IdentityHashMap<>();
      window = w;
    }
    Object v = values.get(view);
    if (v == null && !values.containsKey(view)) {
      v = c.sideInput(view);
      values.put(view, v);
    }
    return (T) v;
  }

  /**
   * A map side input copied once per bundle into a plain {@link HashMap}: the runner's map view
   * looks a key up through a multimap, several times slower, which a batch join pays per row.
   */
  @SuppressWarnings("unchecked")
  public <K, V> Map<K, V> copiedMap(
      PCollectionView<Map<K, V>> view, BoundedWindow w, DoFn<?, ?>.ProcessContext c) {
    if (copies == null || !w.equals(copies.window())) {
      copies = new Copies(w);
    }
    return (Map<K, V>) copies.maps.computeIfAbsent(view, k -> new HashMap<>(c.sideInput(view)));
  }

  /**
   * A map side input of int keys copied once per bundle into an {@link IntLookup} (an array by key
   * when the keys are dense): a reference check per record looks its id up there. The map's values
   * must not be null ({@link IntLookup#get} answers null for a missing key).
   */
  @SuppressWarnings("unchecked")
  public <V> IntLookup<V> copiedLookup(
      PCollectionView<Map<Integer, V>> view, BoundedWindow w, DoFn<?, ?>.ProcessContext c) {
    if (copies == null || !w.equals(copies.window())) {
      copies = new Copies(w);
    }
    return (IntLookup<V>)
        copies.lookups.computeIfAbsent(view, k -> IntLookup.of(new HashMap<>(c.sideInput(view))));
  }

  private transient Copies copies;

  /** The copied maps of one window, by view (identity: a view's hashCode is not cached). */
  private record Copies(
      BoundedWindow window,
      Map<PCollectionView<?>, Map<?, ?>> maps,
      Map<PCollectionView<?>, IntLookup<?>> lookups) {
    Copies(BoundedWindow window) {
      this(window, new IdentityHashMap<>(), new IdentityHashMap<>());
    }
  }
}
