package dev.lakebeam.pipelines.run;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress lines of a long run, printed every --progressSeconds on a daemon thread while the job
 * runs.
 */
public final class ProgressLines {
  private ProgressLines() {}

  /**
   * Stops the lines; never throws, so it can run in a {@code finally} without hiding the run's own
   * failure.
   */
  public interface Stop extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Runs {@code line} every {@code seconds} until the returned handle is closed; none when seconds
   * is 0.
   */
  public static Stop every(int seconds, String threadName, Runnable line) {
    if (seconds <= 0) {
      return () -> {};
    }
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    s.scheduleAtFixedRate(line, seconds, seconds, TimeUnit.SECONDS);
    return () -> {
      s.shutdownNow();
      try {
        s.awaitTermination(5, TimeUnit.SECONDS); // a line being printed ends before the summary
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /**
   * "42 % of 1.2 GB read, about 3 min left; " (nothing without file input; "starting" before the
   * first byte).
   */
  public static String shareDone(long read, long total, long seconds) {
    if (total <= 0) {
      return "";
    }
    if (read <= 0) {
      return String.format(Locale.ROOT, "starting the job, 0 of %s read; ", bytes(total));
    }
    double share = Math.min(1.0, (double) read / total);
    String left =
        share >= 1.0
            ? "parsing and writing the last records"
            : share < 0.01
                ? "too early to tell the time left"
                : "about "
                    + duration(Math.round(seconds * (1 - share) / share))
                    + " of reading left";
    return String.format(Locale.ROOT, "%.0f %% of %s read (%s); ", 100 * share, bytes(total), left);
  }

  static String bytes(long b) {
    return b >= 1L << 30
        ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
        : b >= 1L << 20
            ? String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20))
            : String.format(Locale.ROOT, "%,d bytes", b);
  }

  static String duration(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60)
        : s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
  }
}
