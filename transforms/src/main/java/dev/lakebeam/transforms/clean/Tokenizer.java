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

  /** Free-text fields (any dataset): emails and phone numbers inside them become tokens before clean. */
  public static final java.util.Set<String> FREE_TEXT_FIELDS = java.util.Set.of("comment");

  private static final java.util.regex.Pattern EMAIL_IN_TEXT =
      java.util.regex.Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+");
  /** 9 to 15 digits with the usual separators: a phone number (a date has 8, an order id rarely 9). */
  private static final java.util.regex.Pattern PHONE_IN_TEXT =
      java.util.regex.Pattern.compile("(?<![\\w@.])\\+?\\d(?:[ ().-]{0,2}\\d){8,14}(?![\\w@])");

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

  /**
   * Free text with every email address and phone number in it replaced by {@code [email:TOKEN]}
   * or {@code [phone:TOKEN]}, the tokens the clean rows' email and phone columns would carry.
   */
  public String redactFreeText(String text) {
    if (text == null) {
      return null;
    }
    String out = EMAIL_IN_TEXT.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
        "[email:" + token(Kind.EMAIL, m.group()) + "]"));
    return PHONE_IN_TEXT.matcher(out).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
        "[phone:" + token(Kind.PHONE, m.group()) + "]"));
  }

  /**
   * Names the key without revealing it: the first 16 hex digits of the HMAC of a fixed label. Two
   * runs with the same fingerprint made tokens with the same key (a manifest records it).
   */
  public String fingerprint() {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] h = m.doFinal("lakebeam key fingerprint v1".getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h, 0, 8);
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
