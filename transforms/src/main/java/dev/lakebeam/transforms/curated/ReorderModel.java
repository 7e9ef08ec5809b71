package dev.lakebeam.transforms.curated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.transforms.records.FieldPositions;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * The logistic reorder model: P(user reorders product in their next order) = σ(b + Σ wᵢ·zᵢ), with
 * zᵢ the standardized feature {@code (xᵢ − meanᵢ) / scaleᵢ}. Coefficients, means and scales are a
 * versioned resource ({@code reorder-model.json} beside this class, written by {@code lakebeam
 * train-model}); every prediction carries the model's version. {@link #FEATURES} and {@link
 * Inputs#vector} are the one definition of the model's inputs, shared by scoring and training.
 */
public final class ReorderModel implements Serializable {
  /** The model that ships with this build. */
  public static final String RESOURCE = "reorder-model.json";

  /**
   * Input names, in order; u_ from user_features, p_ from product_features, up_ from
   * user_product_features.
   */
  public static final List<String> FEATURES =
      List.of(
          "up_times_bought",
          "up_order_share",
          "up_orders_since_last",
          "up_in_last_order",
          "up_mean_add_to_cart_position",
          "u_orders",
          "u_mean_basket_size",
          "u_reorder_ratio",
          "u_mean_days_between_orders",
          "p_log_orders",
          "p_reorder_probability",
          "p_first_time_reorder_share");

  private final String version;
  private final double intercept;
  private final double[] mean;
  private final double[] scale;
  private final double[] weight;
  private final double threshold;

  public ReorderModel(
      String version,
      double intercept,
      double[] mean,
      double[] scale,
      double[] weight,
      double threshold) {
    if (mean.length != FEATURES.size()
        || scale.length != FEATURES.size()
        || weight.length != FEATURES.size()) {
      throw new IllegalArgumentException(
          "a reorder model has " + FEATURES.size() + " features " + FEATURES);
    }
    this.version = version;
    this.intercept = intercept;
    this.mean = mean.clone();
    this.scale = scale.clone();
    this.weight = weight.clone();
    this.threshold = threshold;
  }

  /** The model shipped in this build's resources. */
  public static ReorderModel shipped() {
    try (InputStream in = ReorderModel.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the reorder model resource " + RESOURCE + " is missing from the build");
      }
      return parse(new ObjectMapper().readTree(in), RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the reorder model resource: " + e.getMessage(), e);
    }
  }

  /** A model file written by train-model. */
  public static ReorderModel fromFile(Path file) throws IOException {
    return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
  }

  static ReorderModel parse(JsonNode j, String where) {
    JsonNode features = j.path("features");
    if (!j.hasNonNull("model_version") || !features.isArray()) {
      throw new IllegalArgumentException(
          where + " is not a reorder model (needs model_version and features)");
    }
    List<String> names = new ArrayList<>();
    features.forEach(f -> names.add(f.path("name").asText()));
    if (!names.equals(FEATURES)) {
      throw new IllegalArgumentException(
          where + " has features " + names + "; this build scores " + FEATURES);
    }
    int n = FEATURES.size();
    double[] mean = new double[n];
    double[] scale = new double[n];
    double[] weight = new double[n];
    for (int i = 0; i < n; i++) {
      JsonNode f = features.get(i);
      mean[i] = f.path("mean").asDouble();
      scale[i] = f.path("scale").asDouble(1.0);
      weight[i] = f.path("weight").asDouble();
      if (!(scale[i] > 0)) {
        throw new IllegalArgumentException(
            where + ": feature " + names.get(i) + " needs a positive scale");
      }
    }
    return new ReorderModel(
        j.get("model_version").asText(),
        j.path("intercept").asDouble(),
        mean,
        scale,
        weight,
        j.path("threshold").asDouble(0.5));
  }

  public String version() {
    return version;
  }

  /**
   * The probability above which a pair counts as a predicted reorder (chosen for F1 in training).
   */
  public double threshold() {
    return threshold;
  }

  public double intercept() {
    return intercept;
  }

  public double[] means() {
    return mean.clone();
  }

  public double[] scales() {
    return scale.clone();
  }

  public double[] weights() {
    return weight.clone();
  }

  public double probability(double[] x) {
    double z = intercept;
    for (int i = 0; i < x.length; i++) {
      z += weight[i] * (x[i] - mean[i]) / scale[i];
    }
    return 1.0 / (1.0 + Math.exp(-z));
  }

  /**
   * The model's inputs for one pair, from the three feature tables (a missing value counts as 0),
   * each table's fields found once per schema (a lookup by name hashes the name per field). Not
   * thread-safe: one per scorer.
   */
  public static final class Inputs implements Serializable {
    private static final long serialVersionUID = 1L;
    private final FieldPositions pairFields =
        new FieldPositions(
            "times_bought",
            "order_share",
            "orders_since_last",
            "in_last_order",
            "mean_add_to_cart_position");
    private final FieldPositions userFields =
        new FieldPositions(
            "orders", "mean_basket_size", "reorder_ratio", "mean_days_between_orders");
    private final FieldPositions productFields =
        new FieldPositions("orders", "reorder_probability", "first_time_reorder_share");

    public double[] vector(Row userProduct, Row user, Row product) {
      int[] up = pairFields.in(userProduct.getSchema());
      int[] u = userFields.in(user.getSchema());
      int[] p = productFields.in(product.getSchema());
      return new double[] {
        userProduct.getInt32(up[0]),
        userProduct.getDouble(up[1]),
        userProduct.getInt32(up[2]),
        Boolean.TRUE.equals(userProduct.getBoolean(up[3])) ? 1 : 0,
        userProduct.getDouble(up[4]),
        user.getInt32(u[0]),
        user.getDouble(u[1]),
        orZero(user.getDouble(u[2])),
        orZero(user.getDouble(u[3])),
        Math.log1p(product.getInt64(p[0])),
        orZero(product.getDouble(p[1])),
        orZero(product.getDouble(p[2])),
      };
    }
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }
}
