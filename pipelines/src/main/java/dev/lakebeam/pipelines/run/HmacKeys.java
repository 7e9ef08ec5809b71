package dev.lakebeam.pipelines.run;

import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.transforms.clean.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The HMAC key for PII tokens, shared by every run that tokenizes records (backfill, stream). */
public final class HmacKeys {
  /** Used only where a profile allows it (direct, local); says so in the log. Not a secret. */
  public static final String DEV_KEY = "lakebeam-development-hmac-key-NOT-A-SECRET";

  private HmacKeys() {}

  /**
   * The tokenizer for PII: with the key from the named variable (which the job carries by name
   * only: workers read it from their environment), or the public development key where allowed.
   */
  public static Tokenizer tokenizer(
      String variable, Boolean allowDev, boolean localLake, PrintStream err, String command) {
    String key =
        key(
            variable, allowDev, localLake, err,
            command); // checks the key, or falls back to the public one
    String set = System.getenv(variable);
    return set == null || set.isEmpty()
        ? new Tokenizer(key.getBytes(StandardCharsets.UTF_8))
        : Tokenizer.fromEnvironment(variable);
  }

  /** The key from the named variable, or the development key where the profile allows it. */
  public static String key(
      String variable, Boolean allowDev, boolean localLake, PrintStream err, String command) {
    String key = System.getenv(variable);
    if (key != null && !key.isEmpty()) {
      if (key.getBytes(StandardCharsets.UTF_8).length < 16) {
        throw new UsageException("the HMAC key in $" + variable + " must be at least 16 bytes");
      }
      return key;
    }
    if (Boolean.TRUE.equals(allowDev) && !localLake) {
      throw new UsageException(
          "set $"
              + variable
              + " to the HMAC key for PII tokens (at least 16 bytes): the public "
              + "development key is only for a lake on this machine's disk, and this lake or one of its zones is not");
    }
    if (Boolean.TRUE.equals(allowDev)) {
      err.println(
          command
              + ": WARNING: $"
              + variable
              + " is not set; PII tokens use the public development key "
              + "(allowed by this profile). Set the variable for any data that matters.");
      return DEV_KEY;
    }
    throw new UsageException(
        "set $"
            + variable
            + " to the HMAC key for PII tokens (at least 16 bytes); "
            + "only the direct and local profiles may fall back to a development key");
  }
}
