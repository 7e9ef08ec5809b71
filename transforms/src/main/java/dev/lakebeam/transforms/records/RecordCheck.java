package dev.lakebeam.transforms.records;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;

/**
 * A check of each parsed record that a step applies as it makes the records (the file reader), so
 * that a record is validated where it is parsed, not after another exchange. The check builds a bad
 * record's reject; the step sends it on with its other rejects.
 */
public interface RecordCheck extends Serializable {
  /** The side inputs the check reads; the step that applies it must take them. */
  List<PCollectionView<?>> sideInputs();

  /** Called at the start of each bundle of the step. */
  void startBundle();

  /**
   * The envelope's reject ({@link Rejects#SCHEMA}) if it is bad, or null if it is good. The check
   * counts its rejects; the step that applies it does not.
   */
  Row reject(Row envelope, BoundedWindow window, DoFn<?, ?>.ProcessContext c);
}
