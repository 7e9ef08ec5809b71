package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Consumption {@code customer_segments}: RFM scores 1..5 and a segment name per user, from the
 * {@link Features#RFM} roll-up (recency in days to as_of, frequency in orders, monetary in USD).
 *
 * <p>Scores are exact quintiles by percent rank: a user's F (or M) score is {@code 1 + ⌊5 · (users
 * with a strictly smaller value) / users⌋}; R counts users with a strictly <em>greater</em> recency
 * (fewer days since the last order is better). Equal values get equal scores. The ranks come from a
 * histogram of the values (monetary in whole dollars), so no step holds all users at once.
 * Segments, first rule that matches: champions (R≥4, F≥4, M≥4), loyal (F≥4, R≥3), new (R≥4, F≤2),
 * at_risk (R≤2, F≥3), hibernating (R≤2, F≤2), potential (the rest).
 */
public final class CustomerSegments extends PTransform<PCollection<Row>, PCollection<Row>> {
  @Override
  public PCollection<Row> expand(PCollection<Row> rfm) {
    PCollectionView<Map<String, Iterable<KV<Long, Long>>>> histograms =
        rfm.apply(
                "Metric values",
                FlatMapElements.into(TypeDescriptors.strings())
                    .via(
                        (Row r) ->
                            List.of(
                                "r|" + r.getInt32("recency"),
                                "f|" + r.getInt32("frequency"),
                                "m|" + dollars(r))))
            .apply("Count values", Count.perElement())
            .apply(
                "By metric",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(),
                            TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs())))
                    .via(
                        (KV<String, Long> kv) ->
                            KV.of(
                                kv.getKey().substring(0, 1),
                                KV.of(Long.parseLong(kv.getKey().substring(2)), kv.getValue()))))
            .setCoder(
                KvCoder.of(StringUtf8Coder.of(), KvCoder.of(VarLongCoder.of(), VarLongCoder.of())))
            .apply("Histograms", View.asMultimap());
    return rfm.apply("Score", ParDo.of(new ScoreFn(histograms)).withSideInputs(histograms))
        .setCoder(RowBytesCoder.of(Dataset.CUSTOMER_SEGMENTS.beamSchema()));
  }

  static long dollars(Row r) {
    Long cents = r.getInt64("monetary_cents");
    return cents == null ? 0 : Math.floorDiv(cents, 100);
  }

  /** Percent-rank quintile: 1 + ⌊5 · below / n⌋. */
  static int quintile(long below, long n) {
    return (int) Math.min(5, 1 + (5 * below) / n);
  }

  public static String segment(int r, int f, int m) {
    if (r >= 4 && f >= 4 && m >= 4) {
      return "champions";
    } else if (f >= 4 && r >= 3) {
      return "loyal";
    } else if (r >= 4 && f <= 2) {
      return "new";
    } else if (r <= 2 && f >= 3) {
      return "at_risk";
    } else if (r <= 2) {
      return "hibernating";
    }
    return "potential";
  }

  /**
   * The histogram of one metric as a sorted cumulative count: value -> users with a smaller value.
   */
  static final class Ranks {
    final TreeMap<Long, Long> below = new TreeMap<>();
    final long total;

    Ranks(Iterable<KV<Long, Long>> histogram) {
      TreeMap<Long, Long> counts = new TreeMap<>();
      for (KV<Long, Long> kv : histogram) {
        counts.merge(kv.getKey(), kv.getValue(), Long::sum);
      }
      long running = 0;
      for (Map.Entry<Long, Long> e : counts.entrySet()) {
        below.put(e.getKey(), running);
        running += e.getValue();
      }
      total = running;
    }

    long smaller(long value) {
      return below.get(value);
    }

    long greater(long value) {
      Map.Entry<Long, Long> next = below.higherEntry(value);
      return next == null ? 0 : total - next.getValue();
    }
  }

  static final class ScoreFn extends DoFn<Row, Row> {
    private final PCollectionView<Map<String, Iterable<KV<Long, Long>>>> histograms;
    private transient List<Ranks> ranks;

    ScoreFn(PCollectionView<Map<String, Iterable<KV<Long, Long>>>> histograms) {
      this.histograms = histograms;
    }

    @ProcessElement
    public void process(@Element Row r, ProcessContext c, OutputReceiver<Row> out) {
      if (ranks == null) { // one global window in batch: build the ranks once per instance
        Map<String, Iterable<KV<Long, Long>>> h = c.sideInput(histograms);
        ranks =
            new ArrayList<>(
                List.of(new Ranks(h.get("r")), new Ranks(h.get("f")), new Ranks(h.get("m"))));
      }
      int recency = r.getInt32("recency");
      int frequency = r.getInt32("frequency");
      long n = ranks.get(0).total;
      int rs = quintile(ranks.get(0).greater(recency), n);
      int fs = quintile(ranks.get(1).smaller(frequency), n);
      int ms = quintile(ranks.get(2).smaller(dollars(r)), n);
      Long cents = r.getInt64("monetary_cents");
      out.output(
          Row.withSchema(Dataset.CUSTOMER_SEGMENTS.beamSchema())
              .withFieldValue("user_id", r.getInt32("user_id"))
              .withFieldValue("recency", recency)
              .withFieldValue("frequency", frequency)
              .withFieldValue("monetary", cents == null ? null : Money.usd(cents))
              .withFieldValue("r_score", rs)
              .withFieldValue("f_score", fs)
              .withFieldValue("m_score", ms)
              .withFieldValue("segment", segment(rs, fs, ms))
              .build());
    }
  }
}
