package dev.lakebeam.transforms.records;

import java.util.List;
import java.util.function.Function;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.FieldAccessDescriptor;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.Select;
import org.apache.beam.sdk.schemas.utils.SelectHelpers;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Rows of a batch collection (global window) into blocks (of about 64 KiB, or smaller where many
 * keys share the open bound, {@link OpenBlocks}), and blocks back into rows.
 */
public final class PackRows {
  /** A block is handed over at about this size, everywhere blocks are made. */
  public static final int BLOCK_BYTES = 64 << 10;

  private PackRows() {}

  /**
   * A batch collection that several steps read, as each of them takes it: the rows cross once in
   * blocks and every reader decodes its own copy in its own task. Row by row, Flink's batch runner
   * would encode every row once per reader, since a task whose output several steps read is chained
   * to none of them.
   */
  public static Shared shared(PCollection<Row> rows, String name) {
    return shared(rows, name, null);
  }

  /**
   * As {@link #shared(PCollection, String)}, the blocks keyed by {@code keyOf} (a row's partition
   * folder): a writer of that layout takes them as they are ({@link Shared#blocks}).
   */
  public static Shared shared(
      PCollection<Row> rows, String name, SerializableFunction<Row, String> keyOf) {
    requireBatch(rows);
    PCollection<KV<String, RowBlock>> blocks =
        rows.apply(name + " into blocks", ParDo.of(new PackKeyedFn(rows.getSchema(), keyOf)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RowBlock.Coder.of()));
    return new Shared(blocks, rows.getSchema(), name, keyOf != null, 0, false);
  }

  /** A batch collection packed once; each reader unpacks the blocks in its own task. */
  public static final class Shared implements Function<String, PCollection<Row>> {
    private final PCollection<KV<String, RowBlock>> blocks;
    private final Schema schema;
    private final String name;
    private final boolean keyed;
    private final int kind;
    private final boolean mixed;
    private PCollection<KV<String, RowBlock>> ofKind;

    private Shared(
        PCollection<KV<String, RowBlock>> blocks,
        Schema schema,
        String name,
        boolean keyed,
        int kind,
        boolean mixed) {
      this.blocks = blocks;
      this.schema = schema;
      this.name = name;
      this.keyed = keyed;
      this.kind = kind;
      this.mixed = mixed;
    }

    /**
     * Blocks packed elsewhere, of which those of {@code kind} hold rows of {@code schema} (blocks
     * of other kinds ride along and are skipped by every reader).
     *
     * @param keyed whether the blocks are keyed by a row's partition folder
     */
    public static Shared of(
        PCollection<KV<String, RowBlock>> blocks,
        Schema schema,
        String name,
        boolean keyed,
        int kind) {
      return new Shared(blocks, schema, name, keyed, kind, true);
    }

    /** The schema the blocks were packed with. */
    public Schema schema() {
      return schema;
    }

    /** Whether the blocks are keyed by a key function (not all ""). */
    public boolean keyed() {
      return keyed;
    }

    /** Every row, whole, for the step named {@code reader}. */
    @Override
    public PCollection<Row> apply(String reader) {
      return blocks
          .apply(name + " for " + reader, ParDo.of(new UnpackKeyedFn(schema, schema, kind)))
          .setCoder(RowBytesCoder.of(schema));
    }

    /**
     * Only some fields of every row, as {@code Select.fieldNames(fields)} gives them (same schema):
     * the other fields are skipped in the blocks, never built.
     */
    public PCollection<Row> apply(String reader, List<String> fields) {
      Schema projected = selected(schema, fields);
      return blocks
          .apply(name + " for " + reader, ParDo.of(new UnpackKeyedFn(schema, projected, kind)))
          .setCoder(RowBytesCoder.of(projected));
    }

    /** The blocks of the rows as packed, keyed by what the key function gave ("" without one). */
    public PCollection<KV<String, RowBlock>> blocks() {
      if (!mixed) {
        return blocks;
      }
      if (ofKind == null) {
        ofKind =
            blocks.apply(name + " blocks", ParDo.of(new KindFn(kind))).setCoder(blocks.getCoder());
      }
      return ofKind;
    }
  }

  /**
   * {@code Select.fieldNames(fields)} applied as {@code step}, or the rows as they are when they
   * hold those fields already ({@link Shared#apply(String, List)} projected them).
   */
  public static PCollection<Row> select(PCollection<Row> rows, String step, List<String> fields) {
    return rows.getSchema().equals(selected(rows.getSchema(), fields))
        ? rows
        : rows.apply(step, Select.fieldNames(fields.toArray(new String[0])));
  }

  /** The schema {@code Select.fieldNames(fields)} gives rows of {@code schema}. */
  public static Schema selected(Schema schema, List<String> fields) {
    return SelectHelpers.getOutputSchema(
        schema, FieldAccessDescriptor.withFieldNames(fields).resolve(schema));
  }

  private static void requireBatch(PCollection<Row> rows) {
    if (rows.isBounded() != PCollection.IsBounded.BOUNDED
        || !(rows.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "only a bounded collection in the global window goes into blocks, not "
              + rows.getWindowingStrategy());
    }
  }

  /** Rows into a block per key, handed over when full, past the open bound and at bundle end. */
  static final class PackKeyedFn extends DoFn<Row, KV<String, RowBlock>> {
    private final Schema schema;
    private final SerializableFunction<Row, String> keyOf;
    private transient OpenBlocks<String> open;

    PackKeyedFn(Schema schema, SerializableFunction<Row, String> keyOf) {
      this.schema = schema;
      this.keyOf = keyOf;
    }

    @Setup
    public void setup() {
      open = new OpenBlocks<>(0, RowCoder.of(schema));
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, RowBlock>> out) {
      open.add(keyOf == null ? "" : keyOf.apply(row), row, (k, b) -> out.output(KV.of(k, b)));
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      open.flush(
          (k, b) ->
              c.output(KV.of(k, b), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    }
  }

  /** The blocks of one kind. */
  static final class KindFn extends DoFn<KV<String, RowBlock>, KV<String, RowBlock>> {
    private final int kind;

    KindFn(int kind) {
      this.kind = kind;
    }

    @ProcessElement
    public void process(
        @Element KV<String, RowBlock> block, OutputReceiver<KV<String, RowBlock>> out) {
      if (block.getValue().kind() == kind) {
        out.output(block);
      }
    }
  }

  /**
   * A keyed block's rows of one kind, whole or only some fields, one by one (fused with the step
   * after it); blocks of other kinds are skipped.
   */
  static final class UnpackKeyedFn extends DoFn<KV<String, RowBlock>, Row> {
    private final Schema schema;
    private final Schema projected;
    private final int kind;
    private transient RowCoder coder;
    private transient int[] into;

    UnpackKeyedFn(Schema schema, Schema projected, int kind) {
      this.schema = schema;
      this.projected = projected;
      this.kind = kind;
    }

    @Setup
    public void setup() {
      coder = RowCoder.of(schema);
      into = projected.equals(schema) ? null : RowBlock.projection(schema, projected);
    }

    @ProcessElement
    public void process(@Element KV<String, RowBlock> block, OutputReceiver<Row> out) {
      if (block.getValue().kind() != kind) {
        return;
      }
      Iterable<Row> rows =
          into == null
              ? block.getValue().rows(coder)
              : block.getValue().rows(coder, projected, into);
      for (Row r : rows) {
        out.output(r);
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
