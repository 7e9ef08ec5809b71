package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on 127.0.0.1 to a real server that a test can cut and restore, like a network outage
 * (in the manner of toxiproxy): {@link #cut()} resets every open connection and refuses new ones;
 * {@link #restore()} accepts again on the same port. The server behind it keeps its state, as the
 * real service does during an outage. Once {@link #cut()} has returned, no connection reaches the
 * server until {@link #restore()}.
 */
public final class CuttableLink implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;

  public CuttableLink(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.port = Servers.freePort();
    restore();
  }

  public int port() {
    return port;
  }

  /** Accepts connections again (on the same port). */
  public synchronized void restore() throws IOException {
    if (server != null && !server.isClosed()) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    Thread t = new Thread(() -> accept(s), "cuttable-link-" + port);
    t.setDaemon(true);
    t.start();
  }

  /** Resets every open connection and refuses new ones until {@link #restore()}. */
  public synchronized void cut() throws IOException {
    server.close();
    for (Socket c : open) {
      try {
        c.setSoLinger(true, 0); // RST, as a dropped link looks to the client
        c.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
    open.clear();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket upstream;
        // connected under cut()'s lock: once cut() returns, no new connection reaches the server
        synchronized (this) {
          if (s.isClosed()) {
            client.close();
            return;
          }
          upstream = new Socket();
          try {
            // bounded: cut() waits for this lock
            upstream.connect(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
          } catch (IOException refused) {
            upstream.close();
            client.close();
            continue;
          }
          open.add(client);
          open.add(upstream);
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        // closed by cut(), or the server behind refused: the client sees its connection end
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                }
              } catch (IOException ignored) {
                // cut, or the other side closed
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // already closed
                }
                open.remove(from);
                open.remove(to);
              }
            },
            "cuttable-link-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
