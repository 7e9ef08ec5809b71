package dev.lakebeam.transforms.parse;

import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.transforms.records.Accounting;
import dev.lakebeam.transforms.records.RawRecord;
import dev.lakebeam.transforms.records.Rejects;
import dev.lakebeam.transforms.records.SourceDataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import dev.lakebeam.transforms.records.Progress;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Reads the files of one source dataset under a folder or prefix (plain or .gz) into raw records,
 * one per CSV record or JSON line. File-level problems (no header, damaged gzip, an unterminated
 * quote, oversized or badly encoded records) become rejects; a file that cannot be opened fails
 * the run.
 */
public final class ReadSourceFiles extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Row> RAW = new TupleTag<Row>("raw") {};

  private final SourceDataset dataset;
  private final String folder;
  private final int maxRecordBytes;

  private ReadSourceFiles(SourceDataset dataset, String folder, int maxRecordBytes) {
    this.dataset = dataset;
    this.folder = folder.endsWith("/") ? folder : folder + "/";
    this.maxRecordBytes = maxRecordBytes;
  }

  public static ReadSourceFiles of(SourceDataset dataset, String folder, int maxRecordBytes) {
    return new ReadSourceFiles(dataset, folder, maxRecordBytes);
  }

  /**
   * The globs of this dataset's files, plain and gzip (two globs: not every filesystem's glob
   * takes {a,b} alternatives; S3's does not).
   */
  public List<String> globs() {
    return List.of(folder + dataset.filePattern(), folder + dataset.filePattern() + ".gz");
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple out =
        begin
            .apply("Globs " + dataset.sourceName(), Create.of(globs()).withCoder(StringUtf8Coder.of()))
            .apply("Match " + dataset.sourceName(), FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("Open " + dataset.sourceName(), FileIO.readMatches())
            .apply(
                "Split " + dataset.sourceName(),
                ParDo.of(new SplitFn(dataset, maxRecordBytes)).withOutputTags(RAW, TupleTagList.of(Rejects.TAG)));
    out.get(RAW).setRowSchema(RawRecord.SCHEMA);
    out.get(Rejects.TAG).setRowSchema(Rejects.SCHEMA);
    return out;
  }

  static final class SplitFn extends DoFn<FileIO.ReadableFile, Row> {
    private final SourceDataset dataset;
    private final int maxRecordBytes;
    private final Progress records;
    private final Progress rejected;

    SplitFn(SourceDataset dataset, int maxRecordBytes) {
      this.dataset = dataset;
      this.maxRecordBytes = maxRecordBytes;
      this.records = Progress.counter(Accounting.IN + dataset.sourceName());
      this.rejected = Progress.counter(Accounting.REJECTED + dataset.sourceName());
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) throws IOException {
      String name = file.getMetadata().resourceId().getFilename();
      boolean csv = dataset.format() == SourceDataset.Format.CSV;
      AtomicReference<String> header = new AtomicReference<>();
      AtomicReference<Boolean> headerOk = new AtomicReference<>(true);
      String target = dataset.target().datasetName();
      Instant now = Instant.now();
      try (InputStream in = Channels.newInputStream(file.open())) {
        new RecordSplitter(csv, maxRecordBytes)
            .split(
                in,
                new RecordSplitter.Listener() {
                  @Override
                  public void record(long line, String text) {
                    String ref = name + ":" + line;
                    if (csv && header.get() == null && headerOk.get()) {
                      List<String> missing = missingColumns(text);
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
                              Rejects.of(target, RejectReason.MISSING_HEADER,
                                  "the file's first line is not a header with the columns " + dataset.requiredFields(),
                                  ref, text, now));
                      return;
                    }
                    out.get(RAW).output(RawRecord.of(dataset, "files", ref, header.get(), text));
                  }

                  @Override
                  public void reject(long line, RejectReason reason, String message, byte[] payload) {
                    records.inc();
                    rejected.inc();
                    out.get(Rejects.TAG)
                        .output(Rejects.ofBytes(target, reason, message, name + ":" + line, payload, now));
                  }
                });
      }
    }

    private List<String> missingColumns(String headerLine) {
      List<String> names;
      try {
        names = CsvFields.split(headerLine).stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
      } catch (CsvFields.MalformedCsv e) {
        return dataset.requiredFields();
      }
      return dataset.requiredFields().stream().filter(f -> !names.contains(f)).toList();
    }
  }
}
