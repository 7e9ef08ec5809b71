package dev.lakebeam.transforms.records;

import java.util.function.Function;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/** Rows of a batch collection (global window) into blocks of about 64 KiB, per bundle. */
public final class PackRows extends PTransform<PCollection<Row>, PCollection<RowBlock>> {
  /** A block is handed over at about this size, everywhere blocks are made. */
  public static final int BLOCK_BYTES = 64 << 10;

  public static PackRows of() {
    return new PackRows();
  }

  @Override
  public PCollection<RowBlock> expand(PCollection<Row> rows) {
    if (rows.isBounded() != PCollection.IsBounded.BOUNDED
        || !(rows.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "only a bounded collection in the global window goes into blocks, not "
              + rows.getWindowingStrategy());
    }
    return rows.apply(ParDo.of(new PackFn(rows.getSchema()))).setCoder(RowBlock.Coder.of());
  }

  /**
   * A batch collection that several steps read, as each of them takes it: the rows cross once in
   * blocks and every reader decodes its own copy in its own task. Row by row, Flink's batch runner
   * would encode every row once per reader, since a task whose output several steps read is chained
   * to none of them.
   */
  public static Function<String, PCollection<Row>> shared(PCollection<Row> rows, String name) {
    PCollection<RowBlock> blocks = rows.apply(name + " into blocks", of());
    Schema schema = rows.getSchema();
    return reader ->
        blocks
            .apply(name + " for " + reader, ParDo.of(new UnpackFn(schema)))
            .setCoder(RowBytesCoder.of(schema));
  }

  static final class PackFn extends DoFn<Row, RowBlock> {
    private final Schema schema;
    private transient RowBlock.Builder open;

    PackFn(Schema schema) {
      this.schema = schema;
    }

    @Setup
    public void setup() {
      open = new RowBlock.Builder(0, RowCoder.of(schema));
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<RowBlock> out) {
      open.add(row);
      if (open.bytes() >= BLOCK_BYTES) {
        out.output(open.take());
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      if (!open.isEmpty()) {
        c.output(open.take(), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
      }
    }
  }

  /** A block's rows, one by one (fused with the step after it). */
  public static final class UnpackFn extends DoFn<RowBlock, Row> {
    private final Schema schema;
    private transient RowCoder coder;

    public UnpackFn(Schema schema) {
      this.schema = schema;
    }

    @Setup
    public void setup() {
      coder = RowCoder.of(schema);
    }

    @ProcessElement
    public void process(@Element RowBlock block, OutputReceiver<Row> out) {
      for (Row r : block.rows(coder)) {
        out.output(r);
      }
    }
  }
}
