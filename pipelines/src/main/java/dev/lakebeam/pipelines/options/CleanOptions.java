package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What the commands that clean records share (backfill, stream): the HMAC key for PII tokens, the
 * future tolerance.
 */
@OptionGroup("PII tokens")
public interface CleanOptions extends PipelineOptions {
  @Description("Environment variable that holds the HMAC key for PII tokens (at least 16 bytes).")
  @Default.String("LAKEBEAM_HMAC_KEY")
  String getHmacKeyEnv();

  void setHmacKeyEnv(String value);

  @Description(
      "Use the documented development HMAC key when the key variable is unset (direct and local profiles only).")
  @Default.Boolean(false)
  Boolean getAllowDevHmacKey();

  void setAllowDevHmacKey(Boolean value);

  @Description(
      "Event times more than this many minutes after the run's clock are FUTURE_TIMESTAMP.")
  @Default.Integer(60)
  @OptionGroup("Checks and guards")
  Integer getFutureToleranceMinutes();

  void setFutureToleranceMinutes(Integer value);

  /** --futureToleranceMinutes in milliseconds; a negative value is a usage error. */
  static long futureToleranceMillis(CleanOptions o) {
    Integer minutes = o.getFutureToleranceMinutes();
    if (minutes == null || minutes < 0) {
      throw new UsageException("--futureToleranceMinutes must be 0 or more, was " + minutes);
    }
    return minutes * 60_000L;
  }
}
