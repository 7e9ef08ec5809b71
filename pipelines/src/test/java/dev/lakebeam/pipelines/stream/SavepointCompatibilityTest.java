package dev.lakebeam.pipelines.stream;

import static org.junit.Assert.assertEquals;

import java.io.InputStream;
import java.io.ObjectInputStream;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.junit.Test;

/**
 * A savepoint of an earlier jar restores with this one: Flink keeps the Kinesis read's splits with
 * Java serialization, and they hold the read's watermark factory, so its class must still read the
 * bytes an earlier jar wrote (here, the factory as 41b65f3 serialized it).
 */
public class SavepointCompatibilityTest {
  @Test
  public void theWatermarkFactoryAnEarlierJarSavedStillDeserializes() throws Exception {
    Object restored;
    try (InputStream in =
            getClass().getResourceAsStream("/savepoints/event-time-watermarks-41b65f3.ser");
        ObjectInputStream objects = new ObjectInputStream(in)) {
      restored = objects.readObject();
    }
    assertEquals(StreamPipeline.EventTimeWatermarks.class, restored.getClass());
    WatermarkPolicy policy = ((WatermarkPolicyFactory) restored).createWatermarkPolicy();
    assertEquals(
        "a shard that has not been read yet holds the watermark back",
        BoundedWindow.TIMESTAMP_MIN_VALUE,
        policy.getWatermark());
  }
}
