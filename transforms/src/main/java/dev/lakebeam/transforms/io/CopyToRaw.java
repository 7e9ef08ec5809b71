package dev.lakebeam.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Lands source files in the raw zone as received, gzip-compressed: {@code {folder}/{name}.gz} (a
 * file that is already gzip is copied byte for byte). The name is the source file's, so a rerun on
 * the same day writes the same object again.
 */
public final class CopyToRaw extends PTransform<PBegin, PCollection<String>> {
  private final List<String> globs;
  private final String folder;
  private final String label;

  public CopyToRaw(String label, List<String> globs, String folder) {
    this.label = label;
    this.globs = globs;
    this.folder = folder.endsWith("/") ? folder : folder + "/";
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    return begin
        .apply("Globs raw " + label, Create.of(globs).withCoder(StringUtf8Coder.of()))
        .apply(
            "Match raw " + label,
            FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("Open raw " + label, FileIO.readMatches().withCompression(Compression.UNCOMPRESSED))
        .apply("Land raw " + label, ParDo.of(new CopyFn(folder)));
  }

  /**
   * gzip at the fastest level: raw is an archive of what arrived, read rarely, and the copy runs
   * beside the clean stage on the same cores: a somewhat larger file for far less CPU than the
   * default level.
   */
  static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }

  static final class CopyFn extends DoFn<FileIO.ReadableFile, String> {
    private final String folder;
    private final Counter bytes = Metrics.counter("lakebeam", "raw.bytes");

    CopyFn(String folder) {
      this.folder = folder;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<String> out)
        throws IOException {
      String name = file.getMetadata().resourceId().getFilename();
      boolean gz = name.endsWith(".gz");
      ResourceId dst = FileSystems.matchNewResource(folder + (gz ? name : name + ".gz"), false);
      // Only the outermost stream is closed: Beam's S3 channel must be closed exactly once.
      OutputStream raw = Channels.newOutputStream(FileSystems.create(dst, "application/gzip"));
      try (InputStream in = Channels.newInputStream(file.open());
          OutputStream o = gz ? raw : new FastGzip(raw)) {
        bytes.inc(in.transferTo(o));
      }
      out.output(dst.toString());
    }
  }
}
