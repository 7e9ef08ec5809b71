package dev.lakebeam.schemas;

import java.util.Map;
import java.util.Set;

/**
 * The one definition of personal data in the sources: which fields hold it, the token field each
 * becomes in the clean zone, and the free-text fields whose emails and phone numbers become tokens.
 */
public final class Pii {
  /** What kind of value a token stands for: part of the HMAC input, so kinds never collide. */
  public enum Kind {
    NAME,
    EMAIL,
    PHONE,
    IP
  }

  /** Source fields that hold PII (any dataset), by the kind of token they become. */
  public static final Map<String, Kind> FIELDS =
      Map.of("full_name", Kind.NAME, "email", Kind.EMAIL, "phone", Kind.PHONE, "ip", Kind.IP);

  /** Clean fields that hold tokens, by the source field they are made from. */
  public static final Map<String, String> TOKEN_FIELDS =
      Map.of(
          "name_token",
          "full_name",
          "email_token",
          "email",
          "phone_token",
          "phone",
          "ip_token",
          "ip");

  /**
   * Free-text fields (any dataset): emails and phone numbers inside them become tokens before
   * clean.
   */
  public static final Set<String> FREE_TEXT_FIELDS = Set.of("comment");

  private Pii() {}
}
