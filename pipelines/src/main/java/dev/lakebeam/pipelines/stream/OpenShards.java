package dev.lakebeam.pipelines.stream;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;

/**
 * Each stream's open shards as Kinesis lists them, each with when it was first seen open, so that
 * an open shard left unread can be flagged. One client serves the run's listings.
 */
final class OpenShards implements AutoCloseable {
  private final AwsOptions options;

  /** Per stream, each open shard and when it was first seen open. */
  private final Map<String, Map<String, Long>> since = new TreeMap<>();

  private final AtomicReference<KinesisClient> client = new AtomicReference<>();

  OpenShards(AwsOptions options) {
    this.options = options;
  }

  /**
   * Lists the streams' shards now: shards newly open are open since now, shards closed since are
   * forgotten.
   */
  void list(List<String> streams, long now) {
    KinesisClient kinesis =
        client.updateAndGet(
            c ->
                c != null
                    ? c
                    : ClientBuilderFactory.defaultFactory()
                        .create(KinesisClient.builder(), options)
                        .build());
    for (String name : streams) {
      Map<String, Long> known = since.computeIfAbsent(name, k -> new TreeMap<>());
      Set<String> open = new HashSet<>();
      String token = null;
      do {
        String page = token;
        ListShardsResponse listed =
            kinesis.listShards(
                b -> {
                  if (page == null) {
                    b.streamName(name);
                  } else {
                    b.nextToken(page);
                  }
                });
        listed.shards().stream()
            .filter(sh -> sh.sequenceNumberRange().endingSequenceNumber() == null)
            .forEach(sh -> open.add(sh.shardId()));
        token = listed.nextToken();
      } while (token != null);
      known.keySet().retainAll(open);
      open.forEach(id -> known.putIfAbsent(id, now));
    }
  }

  /**
   * Per stream, each open shard and when it was first seen open (as {@link ShardReads#report} takes
   * them).
   */
  Map<String, Map<String, Long>> since() {
    return since;
  }

  @Override
  public void close() {
    KinesisClient c = client.getAndSet(null);
    if (c != null) {
      c.close();
    }
  }
}
