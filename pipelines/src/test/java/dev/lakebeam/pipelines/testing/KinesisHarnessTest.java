package dev.lakebeam.pipelines.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.ClassRule;
import org.junit.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The restart the reliability tests rely on: a persistent emulator restarted while a client puts
 * records keeps every record it acknowledged (otherwise a loss in those tests could be the
 * emulator's, not the pipeline's), and the restart ends however many connections its clients keep
 * opening.
 */
public class KinesisHarnessTest {
  @ClassRule public static final KinesisHarness KINESIS = KinesisHarness.persistent();

  @Test
  public void aRestartKeepsEveryAcknowledgedRecord() throws Exception {
    KinesisClient kinesis = KINESIS.client();
    kinesis.createStream(b -> b.streamName("restart").shardCount(1));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!kinesis
        .describeStreamSummary(b -> b.streamName("restart"))
        .streamDescriptionSummary()
        .streamStatusAsString()
        .equals("ACTIVE")) {
      assertTrue(System.nanoTime() < until);
      Thread.sleep(100);
    }
    AtomicBoolean stop = new AtomicBoolean();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    CompletableFuture<Integer> putting =
        CompletableFuture.supplyAsync(
            () -> {
              int failures = 0;
              for (int i = 0; !stop.get(); i++) {
                String v = "record-" + i;
                try {
                  kinesis.putRecord(
                      b ->
                          b.streamName("restart")
                              .partitionKey("k")
                              .data(SdkBytes.fromUtf8String(v)));
                  acknowledged.add(v);
                } catch (RuntimeException e) {
                  failures++; // refused while the emulator is down: not acknowledged
                }
              }
              return failures;
            });
    // and clients that keep opening connections, each a request sent in part: one that reached
    // kinesis-local while it drained after SIGTERM would keep it from ever stopping
    int port =
        Integer.parseInt(KINESIS.endpoint().substring(KINESIS.endpoint().lastIndexOf(':') + 1));
    List<Socket> dangling = new ArrayList<>();
    CompletableFuture<Integer> connecting =
        CompletableFuture.supplyAsync(
            () -> {
              int connected = 0;
              while (!stop.get()) {
                try {
                  Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                  s.getOutputStream()
                      .write(
                          "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                              .getBytes(StandardCharsets.US_ASCII));
                  dangling.add(s);
                  connected++;
                } catch (IOException refused) {
                  // the link is cut while the emulator restarts
                }
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return connected;
                }
              }
              return connected;
            });
    Thread.sleep(2000);
    int before = acknowledged.size();
    long down = KINESIS.restart();
    int during = acknowledged.size();
    Thread.sleep(2000);
    stop.set(true);
    int failures = putting.get(60, TimeUnit.SECONDS);
    assertTrue("connections opened around the restart", connecting.get(60, TimeUnit.SECONDS) > 20);
    for (Socket s : dangling) {
      s.close();
    }
    System.out.println(
        "KinesisHarnessTest: "
            + acknowledged.size()
            + " acknowledged ("
            + before
            + " before the restart, "
            + (during - before)
            + " while it drained), "
            + failures
            + " refused, restart took "
            + down
            + " ms");

    List<String> read = new ArrayList<>();
    String it =
        kinesis
            .getShardIterator(
                b ->
                    b.streamName("restart")
                        .shardId("shardId-000000000000")
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
            .shardIterator();
    GetRecordsResponse r;
    do { // until a call at the tip returns nothing
      String current = it;
      r = kinesis.getRecords(b -> b.shardIterator(current));
      r.records().forEach(rec -> read.add(rec.data().asUtf8String()));
      it = r.nextShardIterator();
    } while (!r.records().isEmpty());
    Set<String> distinct = new HashSet<>(read);
    assertEquals("no record twice", read.size(), distinct.size());
    assertTrue("records put before the restart", before > 10);
    // a connection left open at SIGTERM would cost kinesis-local's 30 s drain
    assertTrue("restart took " + down + " ms", down < 25_000);
    assertTrue("records put after the restart", acknowledged.size() > during);
    Set<String> lost = new HashSet<>(acknowledged);
    lost.removeAll(distinct);
    assertEquals("acknowledged records lost by the restart", Set.of(), lost);
  }
}
