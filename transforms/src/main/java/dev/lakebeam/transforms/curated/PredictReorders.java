package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.BundleSideInputs;
import dev.lakebeam.transforms.records.KeyByInt;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Consumption {@code reorder_predictions}: for each user, the top N of the products they bought
 * before, by the {@link ReorderModel}'s probability (ties by product_id), with rank 1..N and the
 * model's version. Applied to the output of {@link Features}.
 */
public final class PredictReorders extends PTransform<PCollectionTuple, PCollection<Row>> {
  private final ReorderModel model;
  private final int topN;

  private PredictReorders(ReorderModel model, int topN) {
    if (topN < 1) {
      throw new IllegalArgumentException("top-N must be at least 1, was " + topN);
    }
    this.model = model;
    this.topN = topN;
  }

  public static PredictReorders with(ReorderModel model, int topN) {
    return new PredictReorders(model, topN);
  }

  @Override
  public PCollection<Row> expand(PCollectionTuple features) {
    PCollection<Row> products = features.get(Features.PRODUCT_FEATURES);
    PCollectionView<Map<Integer, Row>> productView =
        products.apply("Key products", KeyByInt.of("product_id")).apply("Product view", View.asMap());
    TupleTag<Row> userTag = new TupleTag<>("user");
    TupleTag<Row> pairTag = new TupleTag<>("pair");
    return KeyedPCollectionTuple.of(userTag, byUser(features.get(Features.USER_FEATURES), "users"))
        .and(pairTag, byUser(features.get(Features.USER_PRODUCT_FEATURES), "pairs"))
        .apply("Join by user", CoGroupByKey.create())
        .apply("Score and rank", ParDo.of(new ScoreFn(model, topN, userTag, pairTag, productView)).withSideInputs(productView))
        .setCoder(RowBytesCoder.of(Dataset.REORDER_PREDICTIONS.beamSchema()));
  }

  private static PCollection<KV<Integer, Row>> byUser(PCollection<Row> rows, String name) {
    return rows.apply("Key " + name, KeyByInt.of("user_id"));
  }

  private record Scored(int productId, double probability) {}

  /** Best first: higher probability, then lower product_id. */
  private static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble(Scored::probability).reversed().thenComparingInt(Scored::productId);

  static final class ScoreFn extends DoFn<KV<Integer, CoGbkResult>, Row> {
    private final ReorderModel model;
    private final int topN;
    private final TupleTag<Row> userTag;
    private final TupleTag<Row> pairTag;
    private final PCollectionView<Map<Integer, Row>> products;

    ScoreFn(ReorderModel model, int topN, TupleTag<Row> userTag, TupleTag<Row> pairTag, PCollectionView<Map<Integer, Row>> products) {
      this.model = model;
      this.topN = topN;
      this.userTag = userTag;
      this.pairTag = pairTag;
      this.products = products;
    }

    private final BundleSideInputs sides = new BundleSideInputs();

    @StartBundle
    public void startBundle() {
      sides.reset();
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> e, BoundedWindow window, ProcessContext c, OutputReceiver<Row> out) {
      Row user = e.getValue().getOnly(userTag, null);
      if (user == null) {
        return; // no prior orders: nothing to predict from
      }
      Map<Integer, Row> p = sides.get(products, window, c);
      // Keep the N best in a heap whose head is the worst kept.
      PriorityQueue<Scored> best = new PriorityQueue<>(BEST_FIRST.reversed());
      for (Row pair : e.getValue().getAll(pairTag)) {
        int productId = pair.getInt32("product_id");
        Row product = p.get(productId);
        if (product == null) {
          throw new IllegalStateException("user_product_features name product " + productId + ", which product_features lack");
        }
        best.add(new Scored(productId, model.probability(ReorderModel.vector(pair, user, product))));
        if (best.size() > topN) {
          best.poll();
        }
      }
      List<Scored> ranked = new ArrayList<>(best);
      ranked.sort(BEST_FIRST);
      int rank = 0;
      for (Scored s : ranked) {
        out.output(Row.withSchema(Dataset.REORDER_PREDICTIONS.beamSchema())
            .withFieldValue("user_id", e.getKey())
            .withFieldValue("product_id", s.productId())
            .withFieldValue("probability", s.probability())
            .withFieldValue("rank", ++rank)
            .withFieldValue("model_version", model.version())
            .build());
      }
    }
  }
}
