package dev.lakebeam.transforms.clean;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed HMAC-SHA256 tokens for PII: the same value and key give the same token in every run and
 * pipeline, so joins on tokens still work, and without the key a token cannot be reversed or
 * recomputed from a guess. Values are normalized first (emails lower-cased, phones to digits,
 * names trimmed and lower-cased), so formatting differences do not split one person in two.
 * The key is never part of {@link #toString()}.
 */
public final class Tokenizer implements Serializable {
  /** What kind of value a token stands for: part of the HMAC input, so kinds never collide. */
  public enum Kind {
    NAME,
    EMAIL,
    PHONE,
    IP
  }

  /** Source fields that hold PII, by the kind of token they become. */
  public static final java.util.Map<String, Kind> PII_FIELDS =
      java.util.Map.of("full_name", Kind.NAME, "email", Kind.EMAIL, "phone", Kind.PHONE, "ip", Kind.IP);

  /** Clean fields that hold tokens, by the source field they are made from. */
  public static final java.util.Map<String, String> TOKEN_FIELDS =
      java.util.Map.of("name_token", "full_name", "email_token", "email", "phone_token", "phone", "ip_token", "ip");

  private static final long serialVersionUID = 1L;
  private final byte[] key;
  private transient Mac mac;

  public Tokenizer(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("the HMAC key must be at least 16 bytes");
    }
    this.key = key.clone();
  }

  public String token(Kind kind, String value) {
    if (value == null) {
      return null;
    }
    try {
      if (mac == null) {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
      }
      byte[] h = mac.doFinal((kind.name() + ":" + normalize(kind, value)).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
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
