package dev.lakebeam.transforms.io;

import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop configuration without Hadoop's XML defaults, for {@link WriteParquet}'s sink. FileIO
 * clones the sink (by serialization) for every file it opens, and a plain {@code Configuration}
 * re-parses core-default.xml and core-site.xml each time, hundreds of times with day partitions.
 * Parquet needs none of those settings to write through Beam's channel. A top-level public class
 * with a no-argument constructor: Beam's SerializableConfiguration re-creates it by its canonical
 * name.
 */
public final class LeanConfiguration extends Configuration {
  public LeanConfiguration() {
    super(false);
  }
}
