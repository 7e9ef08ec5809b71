package dev.lakebeam.transforms.records;

import java.io.Serializable;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The positions of named fields in rows of one schema, found once per schema: {@code
 * Row.getInt32(name)} and its kin hash the name and look it up on every call, which a step that
 * reads a dozen fields of millions of rows pays per field. Not thread-safe: one per DoFn
 * (serialized with it, without its cache).
 */
public final class FieldPositions implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String[] names;
  private transient Schema schema;
  private transient int[] at;

  public FieldPositions(String... names) {
    this.names = names.clone();
  }

  /** The names' positions in this schema, in the order given; a missing field is an error. */
  public int[] in(Schema s) {
    if (s != schema) {
      int[] found = new int[names.length];
      for (int i = 0; i < names.length; i++) {
        if (!s.hasField(names[i])) {
          throw new IllegalArgumentException("rows without the field " + names[i] + ": " + s);
        }
        found[i] = s.indexOf(names[i]);
      }
      at = found;
      schema = s;
    }
    return at;
  }
}
