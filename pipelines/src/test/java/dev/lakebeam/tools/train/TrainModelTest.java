package dev.lakebeam.tools.train;

import static org.junit.Assert.assertEquals;

import dev.lakebeam.transforms.curated.ReorderModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/** The fitting math of train-model, on data drawn from a known logistic model. */
public class TrainModelTest {
  @Test
  public void newtonRecoversTheWeightsOfTheModelThatDrewTheData() {
    int k = ReorderModel.FEATURES.size();
    double[] truth = new double[k];
    truth[0] = 1.5;
    truth[3] = -2.0;
    truth[7] = 0.75;
    double intercept = -0.5;
    Random rnd = new Random(3);
    TrainModel.Examples ex =
        new TrainModel.Examples(
            new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      double[] x = new double[k];
      double z = intercept;
      for (int j = 0; j < k; j++) {
        x[j] = 10 + 3 * rnd.nextGaussian(); // mean 10, sd 3: the fit standardizes
        z += truth[j] * (x[j] - 10) / 3;
      }
      ex.x().add(x);
      ex.y().add(rnd.nextDouble() < 1 / (1 + Math.exp(-z)));
      ex.user().add(i);
      ex.inLastOrder().add(false);
      rows.add(i);
    }
    ReorderModel m = TrainModel.fit(ex, rows, 1e-6, "t", 0.5);
    assertEquals(intercept, m.intercept(), 0.05);
    for (int j = 0; j < k; j++) {
      // weights are per standardized feature: rescale by the fitted scale to compare with the truth
      assertEquals(
          ReorderModel.FEATURES.get(j), truth[j], m.weights()[j] * 3 / m.scales()[j], 0.06);
      assertEquals(10, m.means()[j], 0.05);
    }
  }

  @Test
  public void solveSwapsRowsWhenAPivotIsZero() {
    double[] x =
        TrainModel.solve(new double[][] {{0, 2, 1}, {1, 1, 1}, {2, 1, 0}}, new double[] {5, 6, 4});
    assertEquals(5, 2 * x[1] + x[2], 1e-12);
    assertEquals(6, x[0] + x[1] + x[2], 1e-12);
    assertEquals(4, 2 * x[0] + x[1], 1e-12);
  }

  @Test
  public void qualityCounts() {
    TrainModel.Quality q = new TrainModel.Quality(30, 60, 40);
    assertEquals(0.5, q.precision(), 1e-12);
    assertEquals(0.75, q.recall(), 1e-12);
    assertEquals(0.6, q.f1(), 1e-12);
  }
}
