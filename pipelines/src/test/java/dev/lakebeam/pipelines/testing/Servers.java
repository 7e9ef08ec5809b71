package dev.lakebeam.pipelines.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** What the server harnesses share: free loopback ports, waiting for a port, stopping by PID. */
final class Servers {
  private Servers() {}

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Waits until something listens on 127.0.0.1:port; fails if the process dies or the time runs
   * out.
   */
  static void awaitPort(Process process, int port, String name, long seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              name
                  + " exited with "
                  + process.exitValue()
                  + " before listening on 127.0.0.1:"
                  + port);
        }
        if (System.nanoTime() > deadline) {
          stop(process);
          throw new IllegalStateException(
              name + " did not listen on 127.0.0.1:" + port + " within " + seconds + " s");
        }
        Thread.sleep(100);
      }
    }
  }

  /** SIGTERM, then SIGKILL after 5 s: ends exactly the process the harness started. */
  static void stop(Process process) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
