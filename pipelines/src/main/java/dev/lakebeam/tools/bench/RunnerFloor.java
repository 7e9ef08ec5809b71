package dev.lakebeam.tools.bench;

import dev.lakebeam.pipelines.options.BackfillOptions;
import dev.lakebeam.pipelines.options.Command;
import dev.lakebeam.pipelines.options.OptionParser;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.schemas.SourceDataset;
import dev.lakebeam.transforms.clean.CleanRecords;
import dev.lakebeam.transforms.parse.ReadSourceFiles;
import dev.lakebeam.transforms.records.RowBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The bench's runner floor: what Beam on a runner profile costs per order line before any of the
 * clean stage's own work. It reads the order_products CSV files with {@code TextIO} and either only
 * counts the lines ({@code read}), or keys each line by its order id and sends it through one
 * {@code GroupByKey} before counting ({@code shuffle}): the one shuffle the clean stage cannot do
 * without (an order line's day partition and its reference check come from its order, and no worker
 * may hold all orders). No parsing beyond the key, no validation, nothing written. The {@code
 * blocks} floor is the same shuffle in the batch path's design: the clean stage's own reader cuts
 * the files into byte ranges, parses each line and packs the rows into blocks per hash bucket of
 * the order id (as many buckets as clean plans), and the blocks go through one {@code GroupByKey};
 * no validation against products, no join, nothing written. Prints the number of lines counted;
 * fails if the shuffle lost or added any.
 */
public final class RunnerFloor {
  static final String NAMESPACE = "runner-floor";

  /** The floor's runs, in the order bench measures them. */
  static final List<String> MODES = List.of("read", "shuffle", "blocks");

  /** The name bench's table gives a run of the floor. */
  static String title(String mode) {
    return switch (mode) {
      case "read" -> "runner floor: read order lines (TextIO, count)";
      case "shuffle" -> "runner floor: read, one shuffle by order";
      default -> "runner floor: parsed into blocks, one shuffle of blocks by order bucket";
    };
  }

  private RunnerFloor() {}

  public static void main(String[] args) {
    if (args.length != 3 || !MODES.contains(args[0])) {
      System.err.println("usage: RunnerFloor read|shuffle|blocks PROFILE FILES_DIR");
      System.exit(2);
    }
    boolean shuffle = !args[0].equals("read");
    Path files = Path.of(args[2]).toAbsolutePath();
    PipelineOptions options =
        new OptionParser(Profiles.standard())
            .parse(
                Command.BACKFILL,
                List.of(
                    "--profile=" + args[1],
                    "--input=" + files,
                    "--lake=" + files.resolve("unused-lake").toUri()))
            .options();
    Pipeline p = Pipeline.create(options);
    if (args[0].equals("blocks")) {
      blocks(p, files, options.as(BackfillOptions.class).getMaxRecordBytes());
    } else {
      perLine(p, files, shuffle);
    }
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the runner floor's pipeline ended in state " + state);
    }
    long read = counter(result, "read");
    if (shuffle && counter(result, "grouped") != read) {
      throw new IllegalStateException(
          "the shuffle delivered " + counter(result, "grouped") + " lines of " + read);
    }
    System.out.println(read);
  }

  /** The order lines as elements of their own: read with TextIO, then counted or shuffled. */
  private static void perLine(Pipeline p, Path files, boolean shuffle) {
    PCollection<String> lines =
        p.apply(
            "Read order lines",
            TextIO.read().from(files + "/" + SourceDataset.ORDER_LINES.filePattern()));
    if (shuffle) {
      lines
          .apply("Key by order", ParDo.of(new KeyByOrder()))
          .setCoder(KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of()))
          .apply("Group by order", GroupByKey.create())
          .apply("Count grouped", ParDo.of(new CountGrouped()));
    } else {
      lines.apply("Count read", ParDo.of(new CountRead()));
    }
  }

  /** The order lines in blocks, read, parsed and bucketed by the clean stage's reader. */
  private static void blocks(Pipeline p, Path files, int maxRecordBytes) {
    // the files the reader matches (the dataset's pattern, plain or .gz), counted as clean plans
    PathMatcher plain =
        FileSystems.getDefault().getPathMatcher("glob:" + SourceDataset.ORDER_LINES.filePattern());
    PathMatcher gz =
        FileSystems.getDefault()
            .getPathMatcher("glob:" + SourceDataset.ORDER_LINES.filePattern() + ".gz");
    long bytes = 0;
    try (Stream<Path> s = Files.list(files)) {
      for (Path f : s.toList()) {
        Path name = f.getFileName();
        if (Files.isRegularFile(f) && (plain.matches(name) || gz.matches(name))) {
          bytes += CleanRecords.plannedBytes(name.toString(), Files.size(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    p.apply(
            "Read order lines",
            ReadSourceFiles.of(SourceDataset.ORDER_LINES, files.toString(), maxRecordBytes)
                .parsedInBuckets(
                    SourceDataset.ORDERS.keyFields().get(0), CleanRecords.bucketsFor(bytes)))
        .get(ReadSourceFiles.BUCKETS)
        .apply("Count read", ParDo.of(new CountBlockRows()))
        .setCoder(KvCoder.of(VarIntCoder.of(), RowBlock.Coder.of()))
        .apply("Group by bucket", GroupByKey.create())
        .apply("Count grouped", ParDo.of(new CountGroupedRows()));
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(NAMESPACE, name))
                    .build())
            .getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  /** A data line starts with a digit (the header does not). */
  static boolean isDataLine(String line) {
    return !line.isEmpty() && line.charAt(0) >= '0' && line.charAt(0) <= '9';
  }

  static final class CountRead extends DoFn<String, Void> {
    private final Counter read = Metrics.counter(NAMESPACE, "read");

    @ProcessElement
    public void process(@Element String line) {
      if (isDataLine(line)) {
        read.inc();
      }
    }
  }

  static final class KeyByOrder extends DoFn<String, KV<Integer, String>> {
    private final Counter read = Metrics.counter(NAMESPACE, "read");

    @ProcessElement
    public void process(@Element String line, OutputReceiver<KV<Integer, String>> out) {
      if (!isDataLine(line)) {
        return;
      }
      read.inc();
      int order = 0;
      for (int i = 0; i < line.length() && line.charAt(i) >= '0' && line.charAt(i) <= '9'; i++) {
        order = order * 10 + (line.charAt(i) - '0');
      }
      out.output(KV.of(order, line));
    }
  }

  static final class CountGrouped extends DoFn<KV<Integer, Iterable<String>>, Void> {
    private final Counter grouped = Metrics.counter(NAMESPACE, "grouped");

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<String>> group) {
      long n = 0;
      for (String ignored : group.getValue()) {
        n++;
      }
      grouped.inc(n);
    }
  }

  static final class CountBlockRows extends DoFn<KV<Integer, RowBlock>, KV<Integer, RowBlock>> {
    private final Counter read = Metrics.counter(NAMESPACE, "read");

    @ProcessElement
    public void process(
        @Element KV<Integer, RowBlock> block, OutputReceiver<KV<Integer, RowBlock>> out) {
      read.inc(block.getValue().count());
      out.output(block);
    }
  }

  static final class CountGroupedRows extends DoFn<KV<Integer, Iterable<RowBlock>>, Void> {
    private final Counter grouped = Metrics.counter(NAMESPACE, "grouped");

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<RowBlock>> bucket) {
      long n = 0;
      for (RowBlock b : bucket.getValue()) {
        n += b.count();
      }
      grouped.inc(n);
    }
  }
}
