package dev.lakebeam.pipelines.testing;

import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * What a stream holds, read straight from the Kinesis API (the tests' independent view of a
 * stream).
 */
public final class KinesisShards {
  private KinesisShards() {}

  /**
   * The ids of the stream's shards, open and closed, that hold at least one record; empty when the
   * stream does not exist yet.
   */
  public static Set<String> withRecords(KinesisHarness kinesis, String stream) {
    Set<String> out = new TreeSet<>();
    try (KinesisClient client = kinesis.client()) {
      for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
        String it =
            client
                .getShardIterator(
                    b ->
                        b.streamName(stream)
                            .shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
                .shardIterator();
        // Kinesis may answer empty batches before the first record: read on until one comes, the
        // shard ends, or the reader is at the tip.
        for (int calls = 0; it != null && calls < 100; calls++) {
          String current = it;
          GetRecordsResponse r = client.getRecords(b -> b.shardIterator(current).limit(1));
          if (!r.records().isEmpty()) {
            out.add(shard.shardId());
            break;
          }
          if (r.millisBehindLatest() != null && r.millisBehindLatest() == 0) {
            break;
          }
          it = r.nextShardIterator();
        }
      }
    } catch (ResourceNotFoundException
        | ResourceInUseException e) { // not there yet, or still being created
      return out;
    }
    return out;
  }
}
