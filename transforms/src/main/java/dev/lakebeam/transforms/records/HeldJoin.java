package dev.lakebeam.transforms.records;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.SetState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A join for unbounded input that does not depend on panes: many rows per int key (order lines)
 * meet one row per key (their order) in state, whichever comes first, for as long as the input's
 * allowed lateness. A row of the many side waits for its one; once the one is known, later rows of
 * the many side join it at once. When the watermark passes the newest row of a key plus the allowed
 * lateness, rows still waiting come out unmatched and the key's state is dropped. Rows of the many
 * side are emitted once per dedupe key (the best of those waiting together, then the first).
 * Outputs are in the global window, a pair stamped with the later of its two rows' times; {@link
 * #rewindow} puts them back into the input's windows.
 */
public final class HeldJoin {
  private static final TupleTag<Row> UNMATCHED = new TupleTag<>("unmatched") {};

  private HeldJoin() {}

  /**
   * What the join makes: pairs (one, many), stamped with the later of the two rows' times, and the
   * rows of the many side whose one did not come within the allowed lateness.
   */
  public record Result(PCollection<KV<Row, Row>> paired, PCollection<Row> unmatched) {}

  /**
   * Joins {@code many} (keyed) with {@code one} (keyed) by key in state, held for the allowed
   * lateness of {@code many}'s windows.
   *
   * @param dedupeKey the many side's business key (rows with the same one are emitted once)
   * @param better which of rows waiting together with the same key wins (smaller is better)
   * @param duplicatesCounter the accounting counter of rows dropped as duplicates
   */
  @SuppressWarnings("unchecked")
  public static Result join(
      String name,
      PCollection<KV<Integer, Row>> many,
      PCollection<KV<Integer, Row>> one,
      SerializableFunction<Row, String> dedupeKey,
      SerializableComparator better,
      String duplicatesCounter) {
    Coder<Row> manyCoder = ((KvCoder<Integer, Row>) many.getCoder()).getValueCoder();
    Coder<Row> oneCoder = ((KvCoder<Integer, Row>) one.getCoder()).getValueCoder();
    Duration lateness = many.getWindowingStrategy().getAllowedLateness();
    UnionCoder union = UnionCoder.of(List.of(manyCoder, oneCoder));
    KvCoder<Integer, RawUnionValue> keyedUnion = KvCoder.of(VarIntCoder.of(), union);
    PCollection<KV<Integer, RawUnionValue>> manyTagged = tag(many, 0, name + ": many", keyedUnion);
    PCollection<KV<Integer, RawUnionValue>> oneTagged = tag(one, 1, name + ": one", keyedUnion);
    TupleTag<KV<Row, Row>> paired = new TupleTag<>("paired") {};
    PCollectionTuple out =
        PCollectionList.of(manyTagged)
            .and(oneTagged)
            .apply(name + ": both sides", Flatten.pCollections())
            .setCoder(keyedUnion)
            .apply(
                name + ": hold and join",
                ParDo.of(
                        new HoldFn(
                            manyCoder,
                            oneCoder,
                            lateness,
                            dedupeKey,
                            better,
                            duplicatesCounter,
                            paired))
                    .withOutputTags(paired, TupleTagList.of(UNMATCHED)));
    return new Result(
        out.get(paired).setCoder(KvCoder.of(oneCoder, manyCoder)),
        out.get(UNMATCHED).setCoder(manyCoder));
  }

  /** A serializable comparator of rows. */
  public interface SerializableComparator extends Comparator<Row>, Serializable {}

  private static PCollection<KV<Integer, RawUnionValue>> tag(
      PCollection<KV<Integer, Row>> in,
      int index,
      String name,
      KvCoder<Integer, RawUnionValue> coder) {
    return in.apply(
            name + " into the global window",
            Window.<KV<Integer, Row>>into(new GlobalWindows())
                .triggering(DefaultTrigger.of())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
        .apply(
            name + " tagged",
            MapElements.into(new TypeDescriptor<KV<Integer, RawUnionValue>>() {})
                .via(
                    (KV<Integer, Row> kv) ->
                        KV.of(kv.getKey(), new RawUnionValue(index, kv.getValue()))))
        .setCoder(coder);
  }

  /**
   * Puts a collection back into the windows (and triggers and lateness) of a windowing strategy.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <T> PCollection<T> rewindow(
      PCollection<T> in, WindowingStrategy<?, ?> ws, String name) {
    Window<T> w =
        Window.<T>into((WindowFn) ws.getWindowFn())
            .triggering(ws.getTrigger())
            .withAllowedLateness(ws.getAllowedLateness(), ws.getClosingBehavior())
            .withOnTimeBehavior(ws.getOnTimeBehavior())
            .withTimestampCombiner(ws.getTimestampCombiner());
    w =
        ws.getMode() == WindowingStrategy.AccumulationMode.ACCUMULATING_FIRED_PANES
            ? w.accumulatingFiredPanes()
            : w.discardingFiredPanes();
    return in.apply(name, w).setCoder(in.getCoder());
  }

  static final class HoldFn extends DoFn<KV<Integer, RawUnionValue>, KV<Row, Row>> {
    private final Duration lateness;
    private final SerializableFunction<Row, String> dedupeKey;
    private final SerializableComparator better;
    private final Progress duplicates;
    private final TupleTag<KV<Row, Row>> pairedTag;

    @StateId("one")
    private final StateSpec<ValueState<Row>> oneSpec;

    @StateId("waiting")
    private final StateSpec<BagState<TimestampedValue<Row>>> waitingSpec;

    @StateId("emitted")
    private final StateSpec<SetState<String>> emittedSpec = StateSpecs.set(StringUtf8Coder.of());

    @StateId("newest")
    private final StateSpec<ValueState<Instant>> newestSpec = StateSpecs.value(InstantCoder.of());

    @TimerId("expiry")
    private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    HoldFn(
        Coder<Row> manyCoder,
        Coder<Row> oneCoder,
        Duration lateness,
        SerializableFunction<Row, String> dedupeKey,
        SerializableComparator better,
        String duplicatesCounter,
        TupleTag<KV<Row, Row>> pairedTag) {
      this.lateness = lateness;
      this.dedupeKey = dedupeKey;
      this.better = better;
      this.duplicates = duplicatesCounter == null ? null : Progress.counter(duplicatesCounter);
      this.pairedTag = pairedTag;
      this.oneSpec = StateSpecs.value(oneCoder);
      this.waitingSpec = StateSpecs.bag(TimestampedValue.TimestampedValueCoder.of(manyCoder));
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, RawUnionValue> e,
        @Timestamp Instant ts,
        @StateId("one") ValueState<Row> oneState,
        @StateId("waiting") BagState<TimestampedValue<Row>> waiting,
        @StateId("emitted") SetState<String> emitted,
        @StateId("newest") ValueState<Instant> newest,
        @TimerId("expiry") Timer expiry,
        MultiOutputReceiver out) {
      Instant before = newest.read();
      Instant latest = before == null || ts.isAfter(before) ? ts : before;
      newest.write(latest);
      Instant at = latest.plus(lateness);
      expiry.set(
          at.isAfter(GlobalWindow.INSTANCE.maxTimestamp())
              ? GlobalWindow.INSTANCE.maxTimestamp()
              : at);
      Row value = (Row) e.getValue().getValue();
      if (e.getValue().getUnionTag() == 1) {
        if (oneState.read() == null) {
          oneState.write(value);
        }
        List<TimestampedValue<Row>> held = new ArrayList<>();
        waiting.read().forEach(held::add);
        waiting.clear();
        for (TimestampedValue<Row> m : pick(held)) {
          emit(oneState.read(), m, ts, emitted, out);
        }
        return;
      }
      Row known = oneState.read();
      if (known == null) {
        waiting.add(TimestampedValue.of(value, ts));
      } else {
        emit(known, TimestampedValue.of(value, ts), ts, emitted, out);
      }
    }

    @OnTimer("expiry")
    public void expire(
        @StateId("one") ValueState<Row> oneState,
        @StateId("waiting") BagState<TimestampedValue<Row>> waiting,
        @StateId("emitted") SetState<String> emitted,
        @StateId("newest") ValueState<Instant> newest,
        MultiOutputReceiver out) {
      List<TimestampedValue<Row>> held = new ArrayList<>();
      waiting.read().forEach(held::add);
      for (TimestampedValue<Row> m : pick(held)) {
        out.get(UNMATCHED).output(m.getValue());
      }
      oneState.clear();
      waiting.clear();
      emitted.clear();
      newest.clear();
    }

    /**
     * Of rows waiting together, the best per dedupe key, in arrival order; the others counted as
     * duplicates.
     */
    private List<TimestampedValue<Row>> pick(List<TimestampedValue<Row>> held) {
      Map<String, TimestampedValue<Row>> best = new LinkedHashMap<>();
      for (TimestampedValue<Row> m : held) {
        best.merge(
            dedupeKey.apply(m.getValue()),
            m,
            (a, b) -> better.compare(b.getValue(), a.getValue()) < 0 ? b : a);
      }
      if (duplicates != null) {
        duplicates.inc(held.size() - best.size());
      }
      return new ArrayList<>(best.values());
    }

    /**
     * A pair, stamped with the later of the many row's time and the element being processed: a held
     * row is not emitted behind the watermark its own element holds (a downstream stateful step
     * would see it late, after its own state for the key may have expired).
     */
    private void emit(
        Row one,
        TimestampedValue<Row> m,
        Instant now,
        SetState<String> emitted,
        MultiOutputReceiver out) {
      String key = dedupeKey.apply(m.getValue());
      if (Boolean.TRUE.equals(emitted.contains(key).read())) {
        if (duplicates != null) {
          duplicates.inc();
        }
        return;
      }
      emitted.add(key);
      out.get(pairedTag)
          .outputWithTimestamp(
              KV.of(one, m.getValue()), m.getTimestamp().isAfter(now) ? m.getTimestamp() : now);
    }
  }
}
