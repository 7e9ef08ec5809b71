package dev.lakebeam.transforms.records;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;

/**
 * A check of each parsed record that a step applies as it makes the records (the file reader), so
 * that a record is validated where it is parsed, not after another exchange. A record that fails is
 * rejected by the check itself, under {@link Rejects#TAG}.
 */
public interface RecordCheck extends Serializable {
  /** The side inputs the check reads; the step that applies it must take them. */
  List<PCollectionView<?>> sideInputs();

  /** Called at the start of each bundle of the step. */
  void startBundle();

  /** Whether the envelope is good; if not, its reject has been output under {@link Rejects#TAG}. */
  boolean valid(
      Row envelope,
      BoundedWindow window,
      DoFn<?, ?>.ProcessContext c,
      DoFn.MultiOutputReceiver out);
}
