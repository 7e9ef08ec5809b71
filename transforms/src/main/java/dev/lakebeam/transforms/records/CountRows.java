package dev.lakebeam.transforms.records;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Passes rows through, counting them in the counter {@code lakebeam.out/<name>} (rows written per
 * output dataset), also tallied in-process for progress lines ({@link Progress#tally}).
 */
public final class CountRows extends PTransform<PCollection<Row>, PCollection<Row>> {
  public static final String NAMESPACE = "lakebeam.out";
  private final String name;

  private CountRows(String name) {
    this.name = name;
  }

  public static CountRows as(String name) {
    return new CountRows(name);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> rows) {
    return rows.apply(ParDo.of(new CountFn(name))).setCoder(RowBytesCoder.of(rows.getSchema()));
  }

  /** The same counter over keyed blocks of rows (a writer that takes blocks as they are). */
  public static Blocks blocksAs(String name) {
    return new Blocks(name);
  }

  /** Passes keyed blocks through, counting their rows. */
  public static final class Blocks
      extends PTransform<PCollection<KV<String, RowBlock>>, PCollection<KV<String, RowBlock>>> {
    private final String name;

    private Blocks(String name) {
      this.name = name;
    }

    @Override
    public PCollection<KV<String, RowBlock>> expand(PCollection<KV<String, RowBlock>> blocks) {
      return blocks.apply(ParDo.of(new CountBlocksFn(name))).setCoder(blocks.getCoder());
    }
  }

  static final class CountBlocksFn extends DoFn<KV<String, RowBlock>, KV<String, RowBlock>> {
    private final Progress counter;

    CountBlocksFn(String name) {
      this.counter = Progress.counter(NAMESPACE, name);
    }

    @ProcessElement
    public void process(@Element KV<String, RowBlock> b, OutputReceiver<KV<String, RowBlock>> out) {
      counter.inc(b.getValue().count());
      out.output(b);
    }
  }

  static final class CountFn extends DoFn<Row, Row> {
    private final Progress counter;

    CountFn(String name) {
      this.counter = Progress.counter(NAMESPACE, name);
    }

    @ProcessElement
    public void process(@Element Row r, OutputReceiver<Row> out) {
      counter.inc();
      out.output(r);
    }
  }
}
