package dev.lakebeam.transforms.clean;

import dev.lakebeam.schemas.Pii.Kind;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed HMAC-SHA256 tokens for PII: the same value and key give the same token in every run and
 * pipeline, so joins on tokens still work, and without the key a token cannot be reversed or
 * recomputed from a guess. Values are normalized first (emails lower-cased, phones to digits, names
 * trimmed and lower-cased), so formatting differences do not split one person in two. The key is
 * never part of {@link #toString()}.
 */
public final class Tokenizer implements Serializable {
  private static final Pattern EMAIL_IN_TEXT =
      Pattern.compile("[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)*");

  /**
   * 9 to 15 digits with the usual separators: a phone number (a date has 8, an order id rarely 9).
   */
  private static final Pattern PHONE_IN_TEXT =
      Pattern.compile("(?<![\\w@.])\\+?\\d(?:[ ().-]{0,2}\\d){8,14}(?![\\w@])");

  private static final long serialVersionUID = 2L;

  /** Where each worker reads the key (null: {@link #shipped} travels with the job). */
  private final String keyVariable;

  /**
   * A key that is not secret (the public development key, tests); null for a key read from the
   * environment.
   */
  private final byte[] shipped;

  private final String expectedFingerprint;
  private transient byte[] key;
  private transient Mac mac;

  /** A tokenizer whose key travels with the job: only for keys that are not secret. */
  public Tokenizer(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("the HMAC key must be at least 16 bytes");
    }
    this.keyVariable = null;
    this.shipped = key.clone();
    this.key = this.shipped;
    this.expectedFingerprint = fingerprintOf(this.key);
  }

  private Tokenizer(String variable, byte[] key) {
    this.keyVariable = variable;
    this.shipped = null;
    this.key = key;
    this.expectedFingerprint = fingerprintOf(key);
  }

  /**
   * A tokenizer with the key in environment variable {@code variable}. Only the variable's name and
   * the key's fingerprint are serialized into the job: each worker reads the key from its own
   * environment, and fails if that is missing or holds another key.
   */
  public static Tokenizer fromEnvironment(String variable) {
    String v = System.getenv(variable);
    if (v == null || v.getBytes(StandardCharsets.UTF_8).length < 16) {
      throw new IllegalArgumentException(
          "$" + variable + " must hold the HMAC key (at least 16 bytes)");
    }
    return new Tokenizer(variable, v.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] key() {
    if (key == null) {
      if (keyVariable == null) {
        key = shipped;
      } else {
        String v = System.getenv(keyVariable);
        if (v == null || v.isEmpty()) {
          throw new IllegalStateException(
              "$"
                  + keyVariable
                  + " is not set on this worker: the HMAC key is read from the "
                  + "environment where PII is tokenized and never shipped with the job (on a Flink cluster, set it for the task "
                  + "managers, e.g. containerized.taskmanager.env."
                  + keyVariable
                  + " on EMR)");
        }
        byte[] k = v.getBytes(StandardCharsets.UTF_8);
        if (!fingerprintOf(k).equals(expectedFingerprint)) {
          throw new IllegalStateException(
              "$"
                  + keyVariable
                  + " on this worker holds another HMAC key than the one the job "
                  + "was submitted with (fingerprint "
                  + fingerprintOf(k)
                  + ", expected "
                  + expectedFingerprint
                  + ")");
        }
        key = k;
      }
    }
    return key;
  }

  public String token(Kind kind, String value) {
    if (value == null) {
      return null;
    }
    try {
      if (mac == null) {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key(), "HmacSHA256"));
      }
      byte[] h =
          mac.doFinal(
              (kind.name() + ":" + normalize(kind, value)).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /**
   * Free text with every email address and phone number in it replaced by {@code [email:TOKEN]} or
   * {@code [phone:TOKEN]}, the tokens the clean rows' email and phone columns would carry.
   */
  public String redactFreeText(String text) {
    if (text == null) {
      return null;
    }
    return PHONE_IN_TEXT
        .matcher(redactEmails(text))
        .replaceAll(m -> Matcher.quoteReplacement("[phone:" + token(Kind.PHONE, m.group()) + "]"));
  }

  /**
   * Text with every email address in it replaced by {@code [email:TOKEN]} (phone-like digits kept:
   * ids and times look alike).
   */
  public String redactEmails(String text) {
    if (text == null || text.indexOf('@') < 0) {
      return text;
    }
    return EMAIL_IN_TEXT
        .matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement("[email:" + token(Kind.EMAIL, m.group()) + "]"));
  }

  /**
   * Names the key without revealing it: the first 16 hex digits of the HMAC of a fixed label. Two
   * runs with the same fingerprint made tokens with the same key (a manifest records it).
   */
  public String fingerprint() {
    return expectedFingerprint;
  }

  private static String fingerprintOf(byte[] key) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] h = m.doFinal("lakebeam key fingerprint v1".getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  static String normalize(Kind kind, String v) {
    switch (kind) {
      case EMAIL:
      case NAME:
        return v.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
      case PHONE:
        return v.replaceAll("[^0-9+]", "");
      default:
        return v.trim();
    }
  }

  @Override
  public String toString() {
    return "Tokenizer(HmacSHA256, key redacted)";
  }
}
