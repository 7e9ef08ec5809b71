package dev.lakebeam.pipelines.rds;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/** Planning queries of an incremental run: how far to read, and which partitions change. */
public final class Incremental {
  private static final Timestamp MIN = Timestamp.from(Instant.parse("0001-01-01T00:00:00Z"));

  private Incremental() {}

  /** The table's latest updated_at (PostgreSQL's microseconds kept), or null when it is empty. */
  public static Instant highWater(Connection c, RdsTable t) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(t.highWaterQuery());
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      Timestamp ts = rs.getTimestamp(1);
      return ts == null ? null : ts.toInstant();
    }
  }

  /** The partition folders (year=/month=/day=) of rows changed in (after, upTo]. */
  public static Set<String> touchedPartitions(Connection c, RdsTable t, Instant after, Instant upTo)
      throws SQLException {
    Set<String> out = new TreeSet<>();
    try (PreparedStatement ps = c.prepareStatement(t.touchedDatesQuery())) {
      ps.setTimestamp(1, after == null ? MIN : Timestamp.from(after));
      ps.setTimestamp(2, Timestamp.from(upTo));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String d = rs.getString(1);
          out.add(
              "year="
                  + d.substring(0, 4)
                  + "/month="
                  + d.substring(5, 7)
                  + "/day="
                  + d.substring(8, 10));
        }
      }
    }
    return out;
  }

  /** Owned by the run: files inside these partition folders. */
  public static Predicate<String> partitionsIn(Set<String> folders) {
    return rel -> {
      int cut = rel.indexOf("/day=");
      return cut > 0 && rel.length() >= cut + 7 && folders.contains(rel.substring(0, cut + 7));
    };
  }
}
