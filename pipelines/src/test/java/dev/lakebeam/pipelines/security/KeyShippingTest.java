package dev.lakebeam.pipelines.security;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.fail;

import dev.lakebeam.pipelines.run.HmacKeys;
import dev.lakebeam.schemas.Pii;
import dev.lakebeam.transforms.clean.CleanConfig;
import dev.lakebeam.transforms.clean.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.beam.sdk.util.SerializableUtils;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * The HMAC key never travels inside the job: what Beam serializes for the workers (the clean
 * stage's configuration with its tokenizer) holds the variable's name and the key's fingerprint,
 * and each worker reads the key from its own environment.
 */
public class KeyShippingTest {
  private static final String VARIABLE = "LAKEBEAM_TEST_HMAC_KEY";

  private static boolean contains(byte[] haystack, byte[] needle) {
    return HexFormat.of().formatHex(haystack).contains(HexFormat.of().formatHex(needle));
  }

  @Test
  public void theSerializedJobHoldsNoKeyAndItsWorkersTokenizeAsTheDriverDoes() throws Exception {
    String key = System.getenv(VARIABLE);
    Tokenizer tokenizer = HmacKeys.tokenizer(VARIABLE, false, false, System.err, "test");
    CleanConfig cfg = new CleanConfig(Instant.now(), 60_000L, tokenizer, null, null, null);
    byte[] job = SerializableUtils.serializeToByteArray(cfg);
    assertFalse(
        "the key is in the serialized job", contains(job, key.getBytes(StandardCharsets.UTF_8)));
    assertFalse(
        "the key is in the serialized job (UTF-16)",
        contains(job, key.getBytes(StandardCharsets.UTF_16BE)));

    CleanConfig onWorker =
        (CleanConfig) SerializableUtils.deserializeFromByteArray(job, "clean config");
    Tokenizer plain = new Tokenizer(key.getBytes(StandardCharsets.UTF_8));
    assertEquals(
        plain.token(Pii.Kind.EMAIL, "a@example.com"),
        onWorker.tokenizer().token(Pii.Kind.EMAIL, "a@example.com"));
    assertEquals(plain.fingerprint(), onWorker.tokenizer().fingerprint());
  }

  @Test
  public void aWorkerWithoutTheVariableFailsLoudlyInsteadOfTokenizingWithSomethingElse()
      throws Exception {
    byte[] job = SerializableUtils.serializeToByteArray(Tokenizer.fromEnvironment(VARIABLE));
    // the same job on a worker whose environment lacks the variable: its name swapped for an unset
    // one of the same length
    String unset = "LAKEBEAM_TEST_HMAC_XYZ";
    assertEquals(VARIABLE.length(), unset.length());
    String hex =
        HexFormat.of()
            .formatHex(job)
            .replace(
                HexFormat.of().formatHex(VARIABLE.getBytes(StandardCharsets.UTF_8)),
                HexFormat.of().formatHex(unset.getBytes(StandardCharsets.UTF_8)));
    Tokenizer onWorker =
        (Tokenizer)
            SerializableUtils.deserializeFromByteArray(HexFormat.of().parseHex(hex), "tokenizer");
    try {
      onWorker.token(Pii.Kind.EMAIL, "a@example.com");
      fail("a worker without the key must not tokenize");
    } catch (IllegalStateException e) {
      assertThat(e.getMessage(), containsString("$" + unset + " is not set on this worker"));
    }
  }
}
