package dev.lakebeam.schemas;

/** The lake's zones, in the order data moves through them (DESIGN §3). */
public enum Zone {
  RAW("raw"),
  CLEAN("clean"),
  CURATED("curated"),
  CONSUMPTION("consumption");

  private final String dir;

  Zone(String dir) {
    this.dir = dir;
  }

  /** The zone's folder name under the lake, and the suffix of its URI option. */
  public String dir() {
    return dir;
  }
}
