package dev.lakebeam.tools.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakebeam.pipelines.options.LakeOptions;
import dev.lakebeam.pipelines.options.TrainModelOptions;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.schemas.AvroRows;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Zone;
import dev.lakebeam.transforms.curated.ReorderModel;
import dev.lakebeam.transforms.io.ParquetFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.values.Row;

/**
 * {@code train-model}: fits the logistic reorder model on a lake's curated features and its {@code
 * train} orders, the Kaggle setup: for every user with a train order, each product they bought in
 * prior orders is an example, labelled 1 when the train order contains it. Users are split by a
 * hash of user_id into a fit set and a holdout set; the weights come from Newton's method with an
 * L2 penalty on standardized features, the threshold is the one with the best F1 on the fit set,
 * and precision, recall and F1 are reported on the holdout users beside a baseline ("reorder what
 * was in the last order"). The examples are held in memory: train on a generated set of tens of
 * thousands of orders, not on the full history.
 */
public final class TrainModel {
  private final TrainModelOptions o;
  private final PrintStream out;

  public TrainModel(TrainModelOptions o, PrintStream out) {
    this.o = o;
    this.out = out;
  }

  /** The labelled examples of a lake. */
  record Examples(
      List<double[]> x, List<Boolean> y, List<Integer> user, List<Boolean> inLastOrder) {}

  /** Precision, recall and F1 of a set of predictions. */
  public record Quality(long truePositives, long predicted, long actual) {
    public double precision() {
      return predicted == 0 ? 0 : (double) truePositives / predicted;
    }

    public double recall() {
      return actual == 0 ? 0 : (double) truePositives / actual;
    }

    public double f1() {
      double p = precision();
      double r = recall();
      return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "precision %.3f, recall %.3f, F1 %.3f (%,d predicted, %,d actual, %,d both)",
          precision(),
          recall(),
          f1(),
          predicted,
          actual,
          truePositives);
    }
  }

  public int run() throws IOException {
    FileSystems.setDefaultPipelineOptions(o);
    LocalDate asOf;
    try {
      asOf = LocalDate.parse(o.getAsOf());
    } catch (DateTimeParseException e) {
      throw new UsageException("--asOf must be a date YYYY-MM-DD, was '" + o.getAsOf() + "'");
    }
    if (o.getHoldoutPercent() < 0 || o.getHoldoutPercent() >= 100) {
      throw new UsageException("--holdoutPercent must be 0..99, was " + o.getHoldoutPercent());
    }
    Examples ex =
        examples(LakeOptions.zonePath(o, Zone.CURATED), LakeOptions.zonePath(o, Zone.CLEAN), asOf);
    if (ex.y().isEmpty()) {
      throw new UsageException(
          "no examples: the lake has no users with a train order and prior features as of "
              + asOf
              + " (run backfill with the curated zone first)");
    }
    long positives = ex.y().stream().filter(b -> b).count();
    out.printf(
        Locale.ROOT,
        "train-model: %,d examples (%,d positive) from %,d users%n",
        ex.y().size(),
        positives,
        new HashSet<>(ex.user()).size());
    if (Boolean.TRUE.equals(o.getEvaluateOnly())) {
      ReorderModel m =
          o.getReorderModel() == null
              ? ReorderModel.shipped()
              : ReorderModel.fromFile(Path.of(o.getReorderModel()));
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < ex.y().size(); i++) {
        all.add(i);
      }
      out.println(
          "  model "
              + m.version()
              + " at threshold "
              + m.threshold()
              + ": "
              + quality(m, ex, all, m.threshold()));
      out.println("  baseline (in the last order): " + baseline(ex, all));
      return 0;
    }
    List<Integer> fit = new ArrayList<>();
    List<Integer> holdout = new ArrayList<>();
    for (int i = 0; i < ex.y().size(); i++) {
      (Math.floorMod(mix(ex.user().get(i)), 100) < o.getHoldoutPercent() ? holdout : fit).add(i);
    }
    ReorderModel fitted = fit(ex, fit, o.getL2(), o.getModelVersion(), 0.5);
    double best = 0.5;
    double bestF1 = -1;
    for (int t = 5; t <= 95; t++) {
      double f1 = quality(fitted, ex, fit, t / 100.0).f1();
      if (f1 > bestF1) {
        bestF1 = f1;
        best = t / 100.0;
      }
    }
    ReorderModel model =
        new ReorderModel(
            o.getModelVersion(),
            fitted.intercept(),
            fitted.means(),
            fitted.scales(),
            fitted.weights(),
            best);
    Quality onFit = quality(model, ex, fit, best);
    Quality onHoldout = quality(model, ex, holdout, best);
    Quality base = baseline(ex, holdout);
    write(model, asOf, ex, fit.size(), holdout.size(), onFit, onHoldout, base);
    out.printf(Locale.ROOT, "  threshold %.2f (best F1 on the fit users)%n", best);
    out.println("  fit users:     " + onFit);
    out.println("  holdout users: " + onHoldout);
    out.println("  baseline on holdout (in the last order): " + base);
    out.println("  model written to " + Path.of(o.getModelOut()).toAbsolutePath());
    return 0;
  }

  static Examples examples(String curated, String clean, LocalDate asOf) throws IOException {
    String part = "/as_of=" + asOf;
    Map<Integer, Row> users = new HashMap<>();
    AvroRows.ToRow userRow = new AvroRows.ToRow(Dataset.USER_FEATURES.beamSchema());
    ParquetFiles.forEach(
        curated + "/" + Dataset.USER_FEATURES.datasetName() + part,
        g -> users.put((Integer) g.get("user_id"), userRow.apply(g)));
    Map<Integer, Row> products = new HashMap<>();
    AvroRows.ToRow productRow = new AvroRows.ToRow(Dataset.PRODUCT_FEATURES.beamSchema());
    ParquetFiles.forEach(
        curated + "/" + Dataset.PRODUCT_FEATURES.datasetName() + part,
        g -> products.put((Integer) g.get("product_id"), productRow.apply(g)));
    Map<Integer, Integer> trainOrderUser = new HashMap<>();
    ParquetFiles.forEach(
        clean + "/" + Dataset.ORDERS.datasetName(),
        g -> {
          if ("train".equals(g.get("eval_set").toString())) {
            trainOrderUser.put((Integer) g.get("order_id"), (Integer) g.get("user_id"));
          }
        });
    Set<Long> bought = new HashSet<>();
    ParquetFiles.forEach(
        clean + "/" + Dataset.ORDER_LINES.datasetName(),
        g -> {
          Integer user = trainOrderUser.get((Integer) g.get("order_id"));
          if (user != null) {
            bought.add(pair(user, (Integer) g.get("product_id")));
          }
        });
    Set<Integer> trainUsers = new HashSet<>(trainOrderUser.values());
    AvroRows.ToRow pairRow = new AvroRows.ToRow(Dataset.USER_PRODUCT_FEATURES.beamSchema());
    ReorderModel.Inputs inputs = new ReorderModel.Inputs();
    Examples ex =
        new Examples(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    ParquetFiles.forEach(
        curated + "/" + Dataset.USER_PRODUCT_FEATURES.datasetName() + part,
        g -> {
          int user = (Integer) g.get("user_id");
          int product = (Integer) g.get("product_id");
          if (!trainUsers.contains(user)
              || !users.containsKey(user)
              || !products.containsKey(product)) {
            return;
          }
          Row up = pairRow.apply(g);
          ex.x().add(inputs.vector(up, users.get(user), products.get(product)));
          ex.y().add(bought.contains(pair(user, product)));
          ex.user().add(user);
          ex.inLastOrder().add(Boolean.TRUE.equals(up.getBoolean("in_last_order")));
        });
    return ex;
  }

  private static long pair(int user, int product) {
    return ((long) user << 32) | (product & 0xffffffffL);
  }

  /** A stable hash of a user id (SplitMix64's finalizer), for the holdout split. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * Newton's method on the L2-penalized log-likelihood of standardized features (the intercept is
   * not penalized).
   */
  static ReorderModel fit(
      Examples ex, List<Integer> rows, double l2, String version, double threshold) {
    int k = ReorderModel.FEATURES.size();
    double[] mean = new double[k];
    double[] scale = new double[k];
    for (int i : rows) {
      for (int j = 0; j < k; j++) {
        mean[j] += ex.x().get(i)[j];
      }
    }
    for (int j = 0; j < k; j++) {
      mean[j] /= rows.size();
    }
    for (int i : rows) {
      for (int j = 0; j < k; j++) {
        double d = ex.x().get(i)[j] - mean[j];
        scale[j] += d * d;
      }
    }
    for (int j = 0; j < k; j++) {
      scale[j] = Math.sqrt(scale[j] / rows.size());
      if (!(scale[j] > 1e-12)) {
        scale[j] = 1; // a constant feature: its weight stays 0
      }
    }
    double[] w = new double[k + 1]; // w[0] is the intercept
    for (int iteration = 0; iteration < 50; iteration++) {
      double[] grad = new double[k + 1];
      double[][] hess = new double[k + 1][k + 1];
      double[] z = new double[k + 1];
      z[0] = 1;
      for (int i : rows) {
        double[] x = ex.x().get(i);
        double s = w[0];
        for (int j = 0; j < k; j++) {
          z[j + 1] = (x[j] - mean[j]) / scale[j];
          s += w[j + 1] * z[j + 1];
        }
        double p = 1 / (1 + Math.exp(-s));
        double r = (ex.y().get(i) ? 1 : 0) - p;
        double v = p * (1 - p);
        for (int a = 0; a <= k; a++) {
          grad[a] += r * z[a];
          for (int b = 0; b <= a; b++) {
            hess[a][b] += v * z[a] * z[b];
          }
        }
      }
      for (int a = 0; a <= k; a++) {
        for (int b = 0; b < a; b++) {
          hess[b][a] = hess[a][b];
        }
        if (a > 0) {
          grad[a] -= l2 * w[a];
          hess[a][a] += l2;
        }
      }
      double[] step = solve(hess, grad);
      double largest = 0;
      for (int a = 0; a <= k; a++) {
        w[a] += step[a];
        largest = Math.max(largest, Math.abs(step[a]));
      }
      if (largest < 1e-9) {
        break;
      }
    }
    double[] weights = new double[k];
    System.arraycopy(w, 1, weights, 0, k);
    return new ReorderModel(version, w[0], mean, scale, weights, threshold);
  }

  /** Gaussian elimination with partial pivoting. */
  static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    double[][] m = new double[n][];
    double[] v = b.clone();
    for (int i = 0; i < n; i++) {
      m[i] = a[i].clone();
    }
    for (int c = 0; c < n; c++) {
      int pivot = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
          pivot = r;
        }
      }
      double[] t = m[c];
      m[c] = m[pivot];
      m[pivot] = t;
      double tv = v[c];
      v[c] = v[pivot];
      v[pivot] = tv;
      if (Math.abs(m[c][c]) < 1e-300) {
        throw new IllegalStateException(
            "the Hessian is singular: too few examples to fit the model");
      }
      for (int r = c + 1; r < n; r++) {
        double f = m[r][c] / m[c][c];
        for (int k = c; k < n; k++) {
          m[r][k] -= f * m[c][k];
        }
        v[r] -= f * v[c];
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double s = v[r];
      for (int k = r + 1; k < n; k++) {
        s -= m[r][k] * x[k];
      }
      x[r] = s / m[r][r];
    }
    return x;
  }

  static Quality quality(ReorderModel m, Examples ex, List<Integer> rows, double threshold) {
    long tp = 0;
    long predicted = 0;
    long actual = 0;
    for (int i : rows) {
      boolean yes = m.probability(ex.x().get(i)) >= threshold;
      boolean y = ex.y().get(i);
      predicted += yes ? 1 : 0;
      actual += y ? 1 : 0;
      tp += yes && y ? 1 : 0;
    }
    return new Quality(tp, predicted, actual);
  }

  static Quality baseline(Examples ex, List<Integer> rows) {
    long tp = 0;
    long predicted = 0;
    long actual = 0;
    for (int i : rows) {
      boolean yes = ex.inLastOrder().get(i);
      boolean y = ex.y().get(i);
      predicted += yes ? 1 : 0;
      actual += y ? 1 : 0;
      tp += yes && y ? 1 : 0;
    }
    return new Quality(tp, predicted, actual);
  }

  private void write(
      ReorderModel m,
      LocalDate asOf,
      Examples ex,
      int fitRows,
      int holdoutRows,
      Quality onFit,
      Quality onHoldout,
      Quality base)
      throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode j = json.createObjectNode();
    j.put("model_version", m.version());
    j.put(
        "kind",
        "logistic regression on standardized features: p = 1 / (1 + exp(-(intercept + sum(weight * (x - mean) / scale))))");
    j.put("intercept", m.intercept());
    j.put("threshold", m.threshold());
    ArrayNode features = j.putArray("features");
    for (int i = 0; i < ReorderModel.FEATURES.size(); i++) {
      ObjectNode f = features.addObject();
      f.put("name", ReorderModel.FEATURES.get(i));
      f.put("mean", m.means()[i]);
      f.put("scale", m.scales()[i]);
      f.put("weight", m.weights()[i]);
    }
    ObjectNode t = j.putObject("training");
    t.put(
        "command",
        "train-model --lake="
            + o.getLake()
            + " --asOf="
            + asOf
            + " --holdoutPercent="
            + o.getHoldoutPercent()
            + " --l2="
            + o.getL2()
            + " --modelVersion="
            + m.version());
    t.put("trained_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    t.put("examples", ex.y().size());
    t.put("fit_examples", fitRows);
    t.put("holdout_examples", holdoutRows);
    ObjectNode q = j.putObject("quality");
    q.set("fit", quality(json, onFit));
    q.set("holdout", quality(json, onHoldout));
    q.set("baseline_in_last_order_holdout", quality(json, base));
    Path out = Path.of(o.getModelOut());
    if (out.toAbsolutePath().getParent() != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
    }
    Files.write(out, json.writeValueAsBytes(j));
  }

  private static ObjectNode quality(ObjectMapper json, Quality q) {
    ObjectNode n = json.createObjectNode();
    n.put("precision", Math.round(q.precision() * 1000) / 1000.0);
    n.put("recall", Math.round(q.recall() * 1000) / 1000.0);
    n.put("f1", Math.round(q.f1() * 1000) / 1000.0);
    n.put("predicted", q.predicted());
    n.put("actual", q.actual());
    n.put("true_positives", q.truePositives());
    return n;
  }
}
