package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code train-model}. */
@OptionGroup("Model")
public interface TrainModelOptions extends LakeOptions {
  @Description("As-of date (YYYY-MM-DD) of the curated feature partition to train on.")
  @Default.String("2025-06-30")
  String getAsOf();

  void setAsOf(String value);

  @Description(
      "File to write the fitted model to (JSON; ship it as transforms/src/main/resources/dev/lakebeam/transforms/curated/reorder-model.json).")
  @Default.String("reorder-model.json")
  String getModelOut();

  void setModelOut(String value);

  @Description("Version name written into the model and into every prediction it makes.")
  @Default.String("reorder-lr-v1")
  String getModelVersion();

  void setModelVersion(String value);

  @Description("Percent of users held out of the fit to measure the model on.")
  @Default.Integer(20)
  Integer getHoldoutPercent();

  void setHoldoutPercent(Integer value);

  @Description("L2 penalty on the standardized weights.")
  @Default.Double(1.0)
  Double getL2();

  void setL2(Double value);

  @Description(
      "Do not fit: measure a model (--reorderModel, or the shipped one) on every user of the lake with a train order.")
  @Default.Boolean(false)
  Boolean getEvaluateOnly();

  void setEvaluateOnly(Boolean value);

  @Description("A model file to evaluate (--evaluateOnly); default: the model shipped in the jar.")
  String getReorderModel();

  void setReorderModel(String value);
}
