package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.BundleSideInputs;
import dev.lakebeam.transforms.records.FieldPositions;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.KeyByInt;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import dev.lakebeam.transforms.records.Rows;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;

/**
 * Consumption {@code reorder_predictions}: for each user, the top N of the products they bought
 * before, by the {@link ReorderModel}'s probability (ties by product_id), with rank 1..N and the
 * model's version. Applied to the output of {@link Features}.
 */
public final class PredictReorders extends PTransform<PCollectionTuple, PCollection<Row>> {
  private final ReorderModel model;
  private final int topN;
  private final int buckets;

  private PredictReorders(ReorderModel model, int topN, int buckets) {
    if (topN < 1) {
      throw new IllegalArgumentException("top-N must be at least 1, was " + topN);
    }
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be positive, was " + buckets);
    }
    this.model = model;
    this.topN = topN;
    this.buckets = buckets;
  }

  public static PredictReorders with(ReorderModel model, int topN) {
    return new PredictReorders(model, topN, 64);
  }

  /**
   * How many buckets of users a batch run's join of user and pair features moves; plan it from the
   * input's size.
   */
  public PredictReorders withBuckets(int n) {
    return new PredictReorders(model, topN, n);
  }

  private static final int USERS = 0;
  private static final int PAIRS = 1;

  @Override
  public PCollection<Row> expand(PCollectionTuple features) {
    PCollection<Row> products = Features.rows(features, Features.PRODUCT_FEATURES);
    PCollectionView<Map<Integer, Row>> productView =
        products
            .apply("Key products", KeyByInt.of("product_id"))
            .apply("Product view", View.asMap());
    PCollection<Row> users = Features.rows(features, Features.USER_FEATURES);
    PCollection<Row> pairs = Features.rows(features, Features.USER_PRODUCT_FEATURES);
    if (!(users.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "PredictReorders scores Features' batch output in the global window, not "
              + users.getWindowingStrategy());
    }
    // A user's features meet their pairs in buckets of blocks, not one element each.
    SerializableFunction<Row, Integer> user = r -> r.getInt32("user_id");
    return PCollectionList.of(
            GroupInBlocks.intoBuckets(users, "Users into buckets", user, buckets, USERS))
        .and(GroupInBlocks.intoBuckets(pairs, "Pairs into buckets", user, buckets, PAIRS))
        .apply("Blocks of users and pairs", Flatten.pCollections())
        .apply("Group blocks by bucket", GroupByKey.create())
        .apply(
            "Score and rank",
            ParDo.of(
                    new ScoreBucketFn(
                        model, topN, users.getSchema(), pairs.getSchema(), productView))
                .withSideInputs(productView))
        .setCoder(RowBytesCoder.of(Dataset.REORDER_PREDICTIONS.beamSchema()));
  }

  private record Scored(int productId, double probability) {}

  /** Best first: higher probability, then lower product_id. */
  private static final Comparator<Scored> BEST_FIRST =
      Comparator.comparingDouble(Scored::probability)
          .reversed()
          .thenComparingInt(Scored::productId);

  /**
   * One bucket of a batch run: its users' features by id, their pairs by user, then each user
   * scored.
   */
  static final class ScoreBucketFn extends DoFn<KV<Integer, Iterable<RowBlock>>, Row> {
    private final Schema userSchema;
    private final Schema pairSchema;
    private final PCollectionView<Map<Integer, Row>> products;
    private final BundleSideInputs sides = new BundleSideInputs();
    private final FieldPositions userId = new FieldPositions("user_id");
    private final FieldPositions pairUserId = new FieldPositions("user_id");
    private final Scorer scorer;
    private transient RowCoder userCoder;
    private transient RowCoder pairCoder;

    ScoreBucketFn(
        ReorderModel model,
        int topN,
        Schema userSchema,
        Schema pairSchema,
        PCollectionView<Map<Integer, Row>> products) {
      this.userSchema = userSchema;
      this.pairSchema = pairSchema;
      this.products = products;
      this.scorer = new Scorer(model, topN);
    }

    @Setup
    public void setup() {
      userCoder = RowCoder.of(userSchema);
      pairCoder = RowCoder.of(pairSchema);
    }

    @StartBundle
    public void startBundle() {
      sides.reset();
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<RowBlock>> bucket,
        BoundedWindow window,
        ProcessContext c,
        OutputReceiver<Row> out) {
      Map<Integer, Row> users = new HashMap<>();
      Map<Integer, List<Row>> pairs = new HashMap<>();
      for (RowBlock block : bucket.getValue()) {
        if (block.kind() == USERS) {
          for (Row u : block.rows(userCoder)) {
            users.put(u.getInt32(userId.in(u.getSchema())[0]), u);
          }
        } else {
          for (Row pair : block.rows(pairCoder)) {
            pairs
                .computeIfAbsent(
                    pair.getInt32(pairUserId.in(pair.getSchema())[0]), k -> new ArrayList<>())
                .add(pair);
          }
        }
      }
      Map<Integer, Row> p = sides.copiedMap(products, window, c);
      // A pair whose user has no features (no prior orders) is not scored, as in the per-key join.
      users.forEach(
          (id, user) -> scorer.score(id, user, pairs.getOrDefault(id, List.of()), p, out::output));
    }
  }

  /**
   * A user's top N products by the model's probability, ranked 1..N. Fields are read by position
   * and the rows built by position (a row built by field name parses each name). Not thread-safe.
   */
  static final class Scorer implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Rows.Of PREDICTIONS = Rows.of(Dataset.REORDER_PREDICTIONS.beamSchema());
    private final ReorderModel model;
    private final int topN;
    private final ReorderModel.Inputs inputs = new ReorderModel.Inputs();
    private final FieldPositions productId = new FieldPositions("product_id");

    Scorer(ReorderModel model, int topN) {
      this.model = model;
      this.topN = topN;
    }

    void score(int userId, Row user, Iterable<Row> pairs, Map<Integer, Row> p, Consumer<Row> out) {
      // Keep the N best in a heap whose head is the worst kept.
      PriorityQueue<Scored> best = new PriorityQueue<>(BEST_FIRST.reversed());
      for (Row pair : pairs) {
        int id = pair.getInt32(productId.in(pair.getSchema())[0]);
        Row product = p.get(id);
        if (product == null) {
          throw new IllegalStateException(
              "user_product_features name product " + id + ", which product_features lack");
        }
        best.add(new Scored(id, model.probability(inputs.vector(pair, user, product))));
        if (best.size() > topN) {
          best.poll();
        }
      }
      List<Scored> ranked = new ArrayList<>(best);
      ranked.sort(BEST_FIRST);
      int rank = 0;
      for (Scored s : ranked) {
        out.accept(
            PREDICTIONS.attach(
                Arrays.asList(userId, s.productId(), s.probability(), ++rank, model.version())));
      }
    }
  }
}
