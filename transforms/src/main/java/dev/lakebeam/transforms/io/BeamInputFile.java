package dev.lakebeam.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** A Parquet input file over a Beam filesystem channel. */
public final class BeamInputFile implements InputFile {
  private final ResourceId id;

  public BeamInputFile(ResourceId id) {
    this.id = id;
  }

  @Override
  public long getLength() throws IOException {
    return FileSystems.matchSingleFileSpec(id.toString()).sizeBytes();
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    SeekableByteChannel channel = (SeekableByteChannel) FileSystems.open(id);
    InputStream in =
        new InputStream() {
          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return channel.read(ByteBuffer.wrap(b, off, len));
          }

          @Override
          public void close() throws IOException {
            channel.close();
          }
        };
    return new DelegatingSeekableInputStream(in) {
      @Override
      public long getPos() throws IOException {
        return channel.position();
      }

      @Override
      public void seek(long newPos) throws IOException {
        channel.position(newPos);
      }
    };
  }
}
