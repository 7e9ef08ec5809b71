package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.Test;

/**
 * The per-shard progress lines: how far each shard was read, and which open shard is left unread.
 */
public class ShardReadsTest {
  private static final long NOW = 1_000_000_000L;
  private static final long STALL = 120_000;

  private static SortedMap<String, ShardReads.Shard> read(ShardReads.Shard... shards) {
    SortedMap<String, ShardReads.Shard> out = new TreeMap<>();
    for (ShardReads.Shard s : shards) {
      out.put(s.stream() + "/" + s.shard(), s);
    }
    return out;
  }

  private static ShardReads.Shard shard(String id, long secondsAgo) {
    return new ShardReads.Shard("orders", id, 10, "seq-" + id, NOW - secondsAgo * 1000, 1500);
  }

  private static Map<String, Map<String, Long>> open(long sinceSecondsAgo, String... ids) {
    Map<String, Long> m = new TreeMap<>();
    for (String id : ids) {
      m.put(id, NOW - sinceSecondsAgo * 1000);
    }
    return Map.of("orders", m);
  }

  @Test
  public void aShardThatStopsBeingReadWhileItsSiblingsAreReadIsFlagged() {
    List<String> lines =
        ShardReads.report(
            read(shard("s-0", 2), shard("s-1", 200)), open(600, "s-0", "s-1"), NOW, STALL);
    assertEquals(
        List.of(
            "orders s-0: 10 read, last sequence seq-s-0 read 2 s ago, 1.5 s behind arrival",
            "orders s-1: 10 read, last sequence seq-s-1 read 200 s ago, 1.5 s behind arrival -- NOT READ for 200 s while other shards of orders are"),
        lines);
  }

  @Test
  public void aQuietStreamIsNoAlarm() {
    List<String> lines =
        ShardReads.report(
            read(shard("s-0", 300), shard("s-1", 200)), open(600, "s-0", "s-1"), NOW, STALL);
    assertTrue(
        lines.toString(),
        lines.stream().noneMatch(l -> l.contains("NOT READ") || l.contains("NEVER")));
  }

  @Test
  public void aClosedParentIsListedButNotFlagged() {
    List<String> lines =
        ShardReads.report(read(shard("s-0", 2), shard("s-1", 200)), open(600, "s-0"), NOW, STALL);
    assertEquals(
        "orders s-1: 10 read, last sequence seq-s-1 read 200 s ago, 1.5 s behind arrival (closed)",
        lines.get(1));
  }

  @Test
  public void anOpenShardNeverReadIsFlaggedOnceItHasBeenOpenForTheStallTime() {
    List<String> flagged =
        ShardReads.report(read(shard("s-0", 2)), open(130, "s-0", "s-5"), NOW, STALL);
    assertEquals(
        "orders s-5: open for 130 s -- NEVER READ while other shards of orders are",
        flagged.get(1));
    List<String> young =
        ShardReads.report(read(shard("s-0", 2)), open(10, "s-0", "s-5"), NOW, STALL);
    assertEquals(1, young.size());
  }

  @Test
  public void theRecorderKeepsCountsTheLastSequenceAndTheLag() {
    ShardReads.reset();
    ShardReads.Recorder r = new ShardReads.Recorder();
    r.read("orders", "s-0", "1", 1_000, 3_000);
    r.read("orders", "s-0", "2", 2_500, 4_000);
    r.read("orders", "s-1", "7", 4_000, 3_000); // an arrival after the clock: lag 0, not negative
    SortedMap<String, ShardReads.Shard> s = ShardReads.snapshot();
    assertEquals(new ShardReads.Shard("orders", "s-0", 2, "2", 4_000, 1_500), s.get("orders/s-0"));
    assertEquals(new ShardReads.Shard("orders", "s-1", 1, "7", 3_000, 0), s.get("orders/s-1"));
    ShardReads.reset();
  }
}
