package dev.lakebeam.transforms.records;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class GroupInBlocksTest {
  private static final Schema SCHEMA =
      Schema.builder().addInt32Field("user_id").addStringField("text").build();

  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static List<Row> rows(int n, int users) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Row.withSchema(SCHEMA)
              .addValues(i % users, "row " + i + " " + "z".repeat(i % 50))
              .build());
    }
    return rows;
  }

  /**
   * Each group as "key: sorted texts", so a test compares groups whatever the order inside them.
   */
  private static PCollection<String> described(PCollection<KV<Integer, Iterable<Row>>> groups) {
    return groups.apply(
        "Describe " + groups.getName(),
        MapElements.into(TypeDescriptors.strings())
            .via(
                (KV<Integer, Iterable<Row>> g) -> {
                  List<String> texts = new ArrayList<>();
                  for (Row r : g.getValue()) {
                    if (r.getInt32("user_id").intValue() != g.getKey()) {
                      throw new AssertionError(
                          "row of user "
                              + r.getInt32("user_id")
                              + " in the group of "
                              + g.getKey());
                    }
                    texts.add(r.getString("text"));
                  }
                  texts.sort(null);
                  return g.getKey() + ": " + texts;
                }));
  }

  private static List<String> expected(List<Row> rows) {
    TreeMap<Integer, List<String>> groups = new TreeMap<>();
    rows.forEach(
        r ->
            groups
                .computeIfAbsent(r.getInt32("user_id"), k -> new ArrayList<>())
                .add(r.getString("text")));
    List<String> out = new ArrayList<>();
    groups.forEach(
        (k, texts) -> {
          texts.sort(null);
          out.add(k + ": " + texts);
        });
    return out;
  }

  @Test
  public void aBatchCollectionGivesEveryKeyOneGroupWithAllItsRowsWhateverTheBuckets() {
    List<Row> rows = rows(30_000, 997);
    PCollection<Row> in = p.apply(Create.of(rows).withRowSchema(SCHEMA));
    // Fewer buckets than keys (many keys per bucket) and more buckets than keys (empty ones).
    PAssert.that(described(in.apply("3 buckets", GroupInBlocks.by(r -> r.getInt32("user_id"), 3))))
        .containsInAnyOrder(expected(rows));
    PAssert.that(
            described(in.apply("4096 buckets", GroupInBlocks.by(r -> r.getInt32("user_id"), 4096))))
        .containsInAnyOrder(expected(rows));
    assertEquals("both groupings moved blocks", 2, stepsNamed("Into bucket blocks"));
    p.run().waitUntilFinish();
  }

  @Test
  public void aWindowedStreamIsGroupedPerWindowAsByGroupByKey() {
    TestStream<Row> events =
        TestStream.create(SCHEMA, TypeDescriptors.rows(), r -> r, r -> r)
            .addElements(
                TimestampedValue.of(
                    Row.withSchema(SCHEMA).addValues(1, "a").build(), new Instant(1_000)),
                TimestampedValue.of(
                    Row.withSchema(SCHEMA).addValues(1, "b").build(), new Instant(2_000)),
                TimestampedValue.of(
                    Row.withSchema(SCHEMA).addValues(1, "c").build(), new Instant(61_000)))
            .advanceWatermarkToInfinity();
    PCollection<KV<Integer, Iterable<Row>>> groups =
        p.apply(events)
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
            .apply(GroupInBlocks.by(r -> r.getInt32("user_id"), 8));
    PAssert.that(described(groups)).containsInAnyOrder("1: [a, b]", "1: [c]");
    assertEquals("a stream takes the plain GroupByKey", 0, stepsNamed("Into bucket blocks"));
    p.run().waitUntilFinish();
  }

  /** How many steps of the pipeline so far have this name as the last part of their full name. */
  private int stepsNamed(String name) {
    int[] n = {0};
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getFullName().endsWith("/" + name)) {
              n[0]++;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getFullName().endsWith("/" + name)) {
              n[0]++;
            }
          }
        });
    return n[0];
  }

  @Test
  public void bucketsSpreadConsecutiveKeys() {
    Set<Integer> used = new HashSet<>();
    for (int key = 0; key < 64; key++) {
      used.add(GroupInBlocks.bucket(key, 64));
    }
    assertEquals(
        "at least half of 64 buckets used by 64 consecutive keys", true, used.size() >= 32);
    for (int key = -1000; key < 1000; key++) {
      int b = GroupInBlocks.bucket(key, 7);
      assertEquals("in range", true, b >= 0 && b < 7);
    }
  }
}
