package dev.lakebeam.pipelines.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * How far each Kinesis shard has been read: records, the last sequence number, when it was read,
 * and how far behind its arrival in the stream. Kept as Beam metrics per shard (counter {@code
 * kinesis_shard_read.STREAM/SHARD}, gauges {@code kinesis_shard_last_read_ms.STREAM/SHARD} and
 * {@code kinesis_shard_behind_ms.STREAM/SHARD}, for a cluster's metric reporters) and in an
 * in-process tally, so that the launcher of a job in its own JVM ({@code [local]}) prints them.
 */
public final class ShardReads {
  /** The metrics' namespace. */
  public static final String NAMESPACE = "lakebeam_kinesis";

  /**
   * What is known of one shard's reads; a snapshot's fields are consistent enough for a progress
   * line.
   */
  public record Shard(
      String stream,
      String shard,
      long records,
      String lastSequence,
      long lastReadMillis,
      long behindMillis) {}

  private static final class Tally {
    final LongAdder records = new LongAdder();
    volatile String lastSequence;
    volatile long lastReadMillis;
    volatile long behindMillis;
  }

  /** "stream/shard" → tally, for the whole JVM. */
  private static final Map<String, Tally> TALLY = new ConcurrentHashMap<>();

  /** One reading step's handle on the metrics (not serializable state: made per DoFn instance). */
  static final class Recorder {
    private final Map<String, Counter> read = new HashMap<>();
    private final Map<String, Gauge> lastRead = new HashMap<>();
    private final Map<String, Gauge> behind = new HashMap<>();

    /**
     * A record of {@code stream/shard} with this sequence number, which arrived in Kinesis at
     * {@code arrivalMillis}, read now.
     */
    void read(String stream, String shard, String sequence, long arrivalMillis, long nowMillis) {
      String key = stream + "/" + shard;
      read.computeIfAbsent(key, k -> Metrics.counter(NAMESPACE, "kinesis_shard_read." + k)).inc();
      lastRead
          .computeIfAbsent(key, k -> Metrics.gauge(NAMESPACE, "kinesis_shard_last_read_ms." + k))
          .set(nowMillis);
      long lag = Math.max(0, nowMillis - arrivalMillis);
      behind
          .computeIfAbsent(key, k -> Metrics.gauge(NAMESPACE, "kinesis_shard_behind_ms." + k))
          .set(lag);
      Tally t = TALLY.computeIfAbsent(key, k -> new Tally());
      t.records.increment();
      t.lastSequence = sequence;
      t.lastReadMillis = nowMillis;
      t.behindMillis = lag;
    }
  }

  private ShardReads() {}

  /** The shards read in this JVM so far, by "stream/shard". */
  public static SortedMap<String, Shard> snapshot() {
    SortedMap<String, Shard> out = new TreeMap<>();
    TALLY.forEach(
        (k, t) -> {
          int slash = k.indexOf('/');
          out.put(
              k,
              new Shard(
                  k.substring(0, slash),
                  k.substring(slash + 1),
                  t.records.sum(),
                  t.lastSequence,
                  t.lastReadMillis,
                  t.behindMillis));
        });
    return out;
  }

  /** Forgets the tally (at the start of a run). */
  public static void reset() {
    TALLY.clear();
  }

  /**
   * One line per shard: records, last sequence, seconds since its last read, how far behind arrival
   * that record was read. A shard is reported as not read when it is open ({@code openSince}: per
   * stream, each open shard and when it was first seen open) and has gone unread for {@code
   * stallMillis} while another shard of its stream was read within that time (so a quiet stream is
   * no alarm), or has been open that long and was never read while others were. Closed shards
   * (parents after a reshard) are listed but never flagged.
   */
  public static List<String> report(
      SortedMap<String, Shard> read,
      Map<String, Map<String, Long>> openSince,
      long nowMillis,
      long stallMillis) {
    List<String> lines = new ArrayList<>();
    Map<String, Long> newestPerStream = new HashMap<>();
    read.values().forEach(s -> newestPerStream.merge(s.stream(), s.lastReadMillis(), Math::max));
    for (Shard s : read.values()) {
      long age = nowMillis - s.lastReadMillis();
      boolean open = openSince.getOrDefault(s.stream(), Map.of()).containsKey(s.shard());
      boolean othersRecent = nowMillis - newestPerStream.get(s.stream()) < stallMillis;
      String line =
          String.format(
              Locale.ROOT,
              "%s %s: %,d read, last sequence %s read %,d s ago, %,.1f s behind arrival%s",
              s.stream(),
              s.shard(),
              s.records(),
              s.lastSequence(),
              age / 1000,
              s.behindMillis() / 1000.0,
              open ? "" : " (closed)");
      if (open && age >= stallMillis && othersRecent) {
        line +=
            String.format(
                Locale.ROOT,
                " -- NOT READ for %,d s while other shards of %s are",
                age / 1000,
                s.stream());
      }
      lines.add(line);
    }
    for (Map.Entry<String, Map<String, Long>> e : new TreeMap<>(openSince).entrySet()) {
      Long newest = newestPerStream.get(e.getKey());
      for (Map.Entry<String, Long> shard : new TreeMap<>(e.getValue()).entrySet()) {
        long openFor = nowMillis - shard.getValue();
        if (!read.containsKey(e.getKey() + "/" + shard.getKey())
            && openFor >= stallMillis
            && newest != null
            && nowMillis - newest < stallMillis) {
          lines.add(
              String.format(
                  Locale.ROOT,
                  "%s %s: open for %,d s -- NEVER READ while other shards of %s are",
                  e.getKey(),
                  shard.getKey(),
                  openFor / 1000,
                  e.getKey()));
        }
      }
    }
    return lines;
  }
}
