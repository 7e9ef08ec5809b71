package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.BucketKeys;
import dev.lakebeam.transforms.records.Envelope;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.OpenBlocks;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.Progress;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.RecordCheck;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.RowBlock;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Reads the files of one source dataset under a folder or prefix (plain or .gz) into raw records,
 * one per CSV record or JSON line. File-level problems (no header, damaged gzip, an unterminated
 * quote, oversized or badly encoded records) become rejects; a file that cannot be opened fails the
 * run. A large plain file is cut into byte ranges at record boundaries ({@link FileRanges}), spread
 * over the workers, so every core splits it; {@link #parsed()} also parses the records as they are
 * split.
 */
public final class ReadSourceFiles extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Row> RAW = new TupleTag<Row>("raw") {};

  private final SourceDataset dataset;
  private final List<String> files;
  private final int maxRecordBytes;

  // The settings below are set only on a fresh copy (copy()), before the copy is returned.
  private long rangeBytes = DEFAULT_RANGE_BYTES;
  private boolean parse;

  /** The int key of a parsed envelope whose hash bucket its block is, or null: no buckets. */
  private SerializableFunction<Row, Integer> bucketKey;

  private int buckets;

  /** The kind of the bucketed blocks ({@link RowBlock#kind}). */
  private int kind;

  /** Applied to each parsed record before it is packed, or null. */
  private RecordCheck check;

  /** Whether packed envelopes keep their raw payload (for a reject by a later step). */
  private boolean keepPayload = true;

  private ReadSourceFiles(SourceDataset dataset, List<String> files, int maxRecordBytes) {
    this.dataset = dataset;
    this.files = List.copyOf(files);
    this.maxRecordBytes = maxRecordBytes;
  }

  /** A copy with the same files and settings, for one setting to change. */
  private ReadSourceFiles copy() {
    ReadSourceFiles c = new ReadSourceFiles(dataset, files, maxRecordBytes);
    c.rangeBytes = rangeBytes;
    c.parse = parse;
    c.bucketKey = bucketKey;
    c.buckets = buckets;
    c.kind = kind;
    c.check = check;
    c.keepPayload = keepPayload;
    return c;
  }

  /**
   * The dataset's files under a folder by its file pattern, plain or .gz (two globs: not every
   * filesystem's glob takes {a,b} alternatives; S3's does not). Raw records under {@link #RAW},
   * rejects under {@link Rejects#TAG}.
   */
  public static ReadSourceFiles of(SourceDataset dataset, String folder, int maxRecordBytes) {
    String dir = folder.endsWith("/") ? folder : folder + "/";
    return ofFiles(
        dataset,
        List.of(dir + dataset.filePattern(), dir + dataset.filePattern() + ".gz"),
        maxRecordBytes);
  }

  /** The given files (paths or globs), all of this dataset. */
  public static ReadSourceFiles ofFiles(
      SourceDataset dataset, List<String> files, int maxRecordBytes) {
    return new ReadSourceFiles(dataset, files, maxRecordBytes);
  }

  /**
   * Parses each record as it is read ({@link ParseRecords.Parser}, the same parse and counts as
   * {@link ParseRecords}): parsed envelopes under {@link ParseRecords#PARSED}, file and parse
   * rejects together under {@link Rejects#TAG}, and no raw records. One step instead of two: on
   * Flink a two-output step hands every record to the next task serialized.
   */
  public ReadSourceFiles parsed() {
    ReadSourceFiles c = copy();
    c.parse = true;
    return c;
  }

  /**
   * As {@link #parsed()}, with the parsed envelopes packed into blocks per hash bucket of an int
   * field of the record ({@link GroupInBlocks#bucket}; a null key is bucket 0), under {@link
   * #BUCKETS}: a batch join by that key groups the reader's blocks as they are.
   */
  public ReadSourceFiles parsedInBuckets(String keyField, int buckets) {
    return parsedInBuckets(keyField, buckets, 0);
  }

  /**
   * As {@link #parsedInBuckets(String, int)}, with the blocks of the given kind ({@link
   * RowBlock#kind}): the join's.
   */
  public ReadSourceFiles parsedInBuckets(String keyField, int buckets, int kind) {
    if (!dataset.parseSchema().hasField(keyField)
        || dataset.parseSchema().getField(keyField).getType().getTypeName()
            != Schema.TypeName.INT32) {
      throw new IllegalArgumentException(dataset.sourceName() + " has no int field " + keyField);
    }
    return parsedInBuckets(BucketKeys.ofEnvelope(keyField), buckets, kind);
  }

  /**
   * As {@link #parsedInBuckets(String, int, int)}, bucketed by a key computed from each parsed
   * envelope (a dedupe's key, say, which need not be one int field).
   */
  public ReadSourceFiles parsedInBuckets(
      SerializableFunction<Row, Integer> keyOfEnvelope, int buckets, int kind) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be positive, was " + buckets);
    }
    ReadSourceFiles c = copy();
    c.parse = true;
    c.bucketKey = keyOfEnvelope;
    c.buckets = buckets;
    c.kind = kind;
    return c;
  }

  /**
   * Checks each parsed record as it is read ({@link RecordCheck}, with its side inputs): only good
   * ones are packed, the others are rejected by the check. Validating in the reader saves the
   * exchange and the decoding of a separate validation step.
   */
  public ReadSourceFiles checkedBy(RecordCheck check) {
    if (!parse) {
      throw new IllegalStateException(
          "only parsed records can be checked: call parsed() or parsedInBuckets() first");
    }
    ReadSourceFiles c = copy();
    c.check = check;
    return c;
  }

  /**
   * Packs each good envelope without its raw payload ({@link Envelope#withoutPayload}): for a
   * dataset whose later steps never reject a record, the payload is only weight in every exchange
   * and sort the blocks cross (most of a clickstream event's bytes). Needs {@link
   * #parsedInBuckets}: only packed envelopes lose it, rejects of the reader keep theirs.
   */
  public ReadSourceFiles withoutPayload() {
    if (bucketKey == null) {
      throw new IllegalStateException("only bucketed envelopes can drop their payload");
    }
    ReadSourceFiles c = copy();
    c.keepPayload = false;
    return c;
  }

  /** The dataset this reads. */
  public SourceDataset dataset() {
    return dataset;
  }

  /** The files read: paths or globs. */
  public List<String> globs() {
    return files;
  }

  /**
   * Plain files larger than twice this are cut into ranges of about this many bytes (at most {@link
   * #MAX_RANGES} of them) that different workers read: one large CSV is otherwise read and parsed
   * by one core. Default {@link #DEFAULT_RANGE_BYTES}.
   */
  public ReadSourceFiles withRangeBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("range bytes must be positive, was " + bytes);
    }
    ReadSourceFiles c = copy();
    c.rangeBytes = bytes;
    return c;
  }

  public static final long DEFAULT_RANGE_BYTES = 4L << 20;
  static final int MAX_RANGES = 64;

  /** A planned range of a file, as it travels to the worker that reads it. */
  static final Schema RANGE =
      Schema.builder()
          .addStringField("path")
          .addInt64Field("start")
          .addInt64Field("end")
          .addInt64Field("first_line")
          .addNullableField("header", Schema.FieldType.STRING)
          .build();

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple out =
        begin
            .apply(
                "Globs " + dataset.sourceName(), Create.of(globs()).withCoder(StringUtf8Coder.of()))
            .apply(
                "Match " + dataset.sourceName(),
                FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply(
                "Plan ranges of " + dataset.sourceName(),
                ParDo.of(new PlanFn(dataset, maxRecordBytes, rangeBytes)))
            .setCoder(KvCoder.of(VarIntCoder.of(), RowBytesCoder.of(RANGE)))
            .apply("Spread ranges of " + dataset.sourceName(), Reshuffle.of())
            .apply("Ranges of " + dataset.sourceName(), Values.create())
            .setCoder(RowBytesCoder.of(RANGE))
            .apply(
                "Split " + dataset.sourceName(),
                ParDo.of(
                        new SplitFn(
                            dataset,
                            maxRecordBytes,
                            parse ? new ParseRecords.Parser(dataset, dataset.format()) : null,
                            bucketKey,
                            buckets,
                            kind,
                            check,
                            keepPayload))
                    .withSideInputs(check == null ? List.of() : check.sideInputs())
                    .withOutputTags(BUCKETS, TupleTagList.of(Rejects.TAG)));
    Schema schema = parse ? Envelope.schema(dataset.parseSchema()) : RawRecord.SCHEMA;
    out.get(BUCKETS).setCoder(KvCoder.of(VarIntCoder.of(), RowBlock.Coder.of()));
    out.get(Rejects.TAG).setCoder(RowBytesCoder.of(Rejects.SCHEMA));
    if (bucketKey != null) {
      return PCollectionTuple.of(BUCKETS, out.get(BUCKETS)).and(Rejects.TAG, out.get(Rejects.TAG));
    }
    PCollection<Row> records =
        out.get(BUCKETS)
            .apply("Blocks of " + dataset.sourceName(), Values.create())
            .setCoder(RowBlock.Coder.of())
            .apply("Records of " + dataset.sourceName(), ParDo.of(new PackRows.UnpackFn(schema)))
            .setCoder(RowBytesCoder.of(schema));
    return PCollectionTuple.of(parse ? ParseRecords.PARSED : RAW, records)
        .and(Rejects.TAG, out.get(Rejects.TAG));
  }

  /**
   * The split's records leave it in blocks, keyed by their hash bucket ({@link #parsedInBuckets})
   * or by 0: on Flink a step with two outputs hands every element to the next task serialized, so a
   * block pays that once for thousands of records. One output for blocks in either mode: on Flink's
   * batch runner every reader of a step's output receives all its outputs, so an unused third one
   * was one more full copy of every block.
   */
  public static final TupleTag<KV<Integer, RowBlock>> BUCKETS =
      new TupleTag<KV<Integer, RowBlock>>("buckets") {};

  /**
   * Cuts each plain file larger than two ranges at record boundaries ({@link FileRanges}: one
   * sequential read of the file); compressed and small files are one range. Keys spread the ranges
   * over the workers.
   */
  static final class PlanFn extends DoFn<MatchResult.Metadata, KV<Integer, Row>> {
    private final SourceDataset dataset;
    private final int maxRecordBytes;
    private final long rangeBytes;

    PlanFn(SourceDataset dataset, int maxRecordBytes, long rangeBytes) {
      this.dataset = dataset;
      this.maxRecordBytes = maxRecordBytes;
      this.rangeBytes = rangeBytes;
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<KV<Integer, Row>> out)
        throws IOException {
      ResourceId id = file.resourceId();
      if (id.isDirectory()) {
        return;
      }
      long size = file.sizeBytes();
      FileRanges.Plan plan;
      if (Compression.detect(id.getFilename().toLowerCase(Locale.ROOT)) != Compression.UNCOMPRESSED
          || size < 2 * rangeBytes) {
        plan = FileRanges.whole(size);
      } else {
        long target = Math.max(rangeBytes, size / MAX_RANGES);
        boolean csv = dataset.format() == SourceDataset.Format.CSV;
        try (InputStream in = Channels.newInputStream(FileSystems.open(id))) {
          plan =
              FileRanges.plan(
                  in, size, csv, target, maxRecordBytes, h -> missingColumns(dataset, h).isEmpty());
        }
      }
      int key = id.toString().hashCode();
      for (FileRanges.Range r : plan.ranges()) {
        out.output(
            KV.of(
                key++,
                Row.withSchema(RANGE)
                    .addValues(
                        id.toString(),
                        r.start(),
                        r.end(),
                        r.firstLine(),
                        r.start() == 0 ? null : plan.header())
                    .build()));
      }
    }
  }

  static final class SplitFn extends DoFn<Row, KV<Integer, RowBlock>> {
    private final SourceDataset dataset;
    private final int maxRecordBytes;
    private final Progress records;
    private final Progress rejected;
    private final Progress bytesRead =
        Progress.counter(Accounting.LINES_NAMESPACE, Accounting.BYTES_READ);

    private final ParseRecords.Parser parser;
    private final SerializableFunction<Row, Integer> bucketKey;
    private final int buckets;
    private final int kind;
    private final RecordCheck check;
    private final boolean keepPayload;
    private transient RowCoder coder;

    /** Blocks per bucket, filled across the ranges of a bundle (when packing by bucket). */
    private transient OpenBlocks<Integer> open;

    SplitFn(
        SourceDataset dataset,
        int maxRecordBytes,
        ParseRecords.Parser parser,
        SerializableFunction<Row, Integer> bucketKey,
        int buckets,
        int kind,
        RecordCheck check,
        boolean keepPayload) {
      this.dataset = dataset;
      this.maxRecordBytes = maxRecordBytes;
      this.parser = parser;
      this.bucketKey = bucketKey;
      this.buckets = buckets;
      this.kind = kind;
      this.check = check;
      this.keepPayload = keepPayload;
      this.records = Progress.counter(Accounting.IN + dataset.sourceName());
      this.rejected = Progress.counter(Accounting.REJECTED + dataset.sourceName());
    }

    @StartBundle
    public void start() {
      open = null; // a bundle that failed left its blocks behind; they are retried with it
      if (check != null) {
        check.startBundle();
      }
    }

    @ProcessElement
    public void process(
        @Element Row range, BoundedWindow window, ProcessContext pc, MultiOutputReceiver out)
        throws IOException {
      ResourceId id = FileSystems.matchNewResource(range.getString("path"), false);
      String name = id.getFilename();
      long start = range.getInt64("start");
      long end = range.getInt64("end");
      boolean csv = dataset.format() == SourceDataset.Format.CSV;
      AtomicReference<String> header = new AtomicReference<>(range.getString("header"));
      AtomicReference<Boolean> headerOk = new AtomicReference<>(true);
      String target = dataset.target().datasetName();
      Instant now = Instant.now();
      if (coder == null) {
        coder =
            RowCoder.of(parser == null ? RawRecord.SCHEMA : Envelope.schema(dataset.parseSchema()));
      }
      if (bucketKey != null && open == null) {
        open = new OpenBlocks<>(kind, coder);
      }
      RowBlock.Builder block = new RowBlock.Builder(0, coder);
      DoFn.OutputReceiver<KV<Integer, RowBlock>> bucketed = out.get(BUCKETS);
      ParseRecords.Results results =
          new ParseRecords.Results() {
            @Override
            public void parsed(Row envelope) {
              if (check != null && !check.valid(envelope, window, pc, out)) {
                return;
              }
              if (open != null) {
                open.add(
                    GroupInBlocks.bucket(bucketKey.apply(envelope), buckets),
                    keepPayload ? envelope : Envelope.withoutPayload(envelope),
                    (b, full) -> bucketed.output(KV.of(b, full)));
                return;
              }
              block.add(envelope);
              if (block.bytes() >= PackRows.BLOCK_BYTES) {
                bucketed.output(KV.of(0, block.take()));
              }
            }

            @Override
            public void rejected(Row reject) {
              out.get(Rejects.TAG).output(reject);
            }
          };
      ReadableByteChannel file = FileSystems.open(id);
      if (start > 0) {
        ((SeekableByteChannel) file).position(start);
      }
      CountingChannel channel = new CountingChannel(file, bytesRead);
      // Only the outermost stream is closed: Beam's S3 channel must be closed exactly once.
      RecordSplitter splitter = new RecordSplitter(csv, maxRecordBytes).withHeader(header.get());
      try (InputStream in =
          Channels.newInputStream(
              Compression.detect(name.toLowerCase(Locale.ROOT)).readDecompressed(channel))) {
        splitter.split(
            in,
            range.getInt64("first_line"),
            end == Long.MAX_VALUE ? Long.MAX_VALUE : end - start,
            new RecordSplitter.Listener() {
              @Override
              public void record(long line, String text) {
                String ref = name + ":" + line;
                if (csv && header.get() == null && headerOk.get()) {
                  List<String> missing = missingColumns(dataset, text);
                  if (missing.isEmpty()) {
                    header.set(text);
                    return;
                  }
                  headerOk.set(false);
                }
                records.inc();
                if (csv && !headerOk.get()) {
                  rejected.inc();
                  out.get(Rejects.TAG)
                      .output(
                          Rejects.of(
                              target,
                              RejectReason.MISSING_HEADER,
                              "the file's first line is not a header with the columns "
                                  + dataset.requiredFields(),
                              ref,
                              text,
                              now));
                  return;
                }
                if (parser == null) {
                  results.parsed(RawRecord.of(dataset, "files", ref, header.get(), text));
                } else {
                  parser.parse("files", ref, header.get(), text, results);
                }
              }

              @Override
              public void reject(long line, RejectReason reason, String message, byte[] payload) {
                records.inc();
                rejected.inc();
                out.get(Rejects.TAG)
                    .output(
                        Rejects.ofBytes(target, reason, message, name + ":" + line, payload, now));
              }
            });
      }
      channel.flush();
      if (!block.isEmpty()) {
        bucketed.output(KV.of(0, block.take()));
      }
      Metrics.counter(Accounting.LINES_NAMESPACE, Accounting.LINES + id)
          .inc(splitter.physicalLines());
      Metrics.counter(Accounting.LINES_NAMESPACE, Accounting.BLANK + id).inc(splitter.blankLines());
      Metrics.counter(Accounting.LINES_NAMESPACE, Accounting.CONTINUED + id)
          .inc(splitter.continuationLines());
    }

    @FinishBundle
    public void finish(FinishBundleContext c) {
      if (open != null) {
        open.flush(
            (b, block) ->
                c.output(
                    BUCKETS,
                    KV.of(b, block),
                    BoundedWindow.TIMESTAMP_MIN_VALUE,
                    GlobalWindow.INSTANCE));
      }
    }
  }

  /** Counts the bytes read through a channel into a progress counter, a mebibyte at a time. */
  static final class CountingChannel implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final Progress counter;
    private long pending;

    CountingChannel(ReadableByteChannel in, Progress counter) {
      this.in = in;
      this.counter = counter;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = in.read(dst);
      if (n > 0 && (pending += n) >= 1 << 20) {
        flush();
      }
      return n;
    }

    void flush() {
      counter.inc(pending);
      pending = 0;
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** The required columns a header line lacks (all of them when it is not a CSV line). */
  static List<String> missingColumns(SourceDataset dataset, String headerLine) {
    List<String> names;
    try {
      names =
          CsvFields.split(headerLine).stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
    } catch (CsvFields.MalformedCsv e) {
      return dataset.requiredFields();
    }
    return dataset.requiredFields().stream().filter(f -> !names.contains(f)).toList();
  }
}
