package dev.lakebeam.transforms.clean;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;

import dev.lakebeam.schemas.Pii;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;

public class TokenizerTest {
  private final Tokenizer a =
      new Tokenizer("key-a-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
  private final Tokenizer b =
      new Tokenizer("key-b-0123456789abcdef".getBytes(StandardCharsets.UTF_8));

  @Test
  public void stableNormalizedKeyedAndKindSeparated() {
    String t = a.token(Pii.Kind.EMAIL, "Ana.Lima@Example.com ");
    assertEquals(t, a.token(Pii.Kind.EMAIL, "ana.lima@example.com"));
    assertEquals(t, SerializableUtils.clone(a).token(Pii.Kind.EMAIL, "ana.lima@example.com"));
    assertNotEquals(t, b.token(Pii.Kind.EMAIL, "ana.lima@example.com"));
    assertNotEquals(t, a.token(Pii.Kind.NAME, "ana.lima@example.com"));
    assertEquals(
        a.token(Pii.Kind.PHONE, "+1-202-555-0100"), a.token(Pii.Kind.PHONE, "+1 (202) 555 0100"));
    assertEquals(43, t.length());
    assertNull(a.token(Pii.Kind.IP, null));
  }

  @Test
  public void emailsAndPhoneNumbersInFreeTextBecomeTokens() {
    String text =
        "Call +1 (555) 555-0142 or write to Ana.Lima@Example.com; order 123456 of 2025-06-20 at 10:30 was late.";
    assertEquals(
        "Call [phone:"
            + a.token(Pii.Kind.PHONE, "+1 (555) 555-0142")
            + "] or write to [email:"
            + a.token(Pii.Kind.EMAIL, "Ana.Lima@Example.com")
            + "]; order 123456 of 2025-06-20 at 10:30 was late.",
        a.redactFreeText(text));
    assertEquals("no personal data here", a.redactFreeText("no personal data here"));
    assertEquals(null, a.redactFreeText(null));
  }

  @Test
  public void theKeyIsNeverShown() {
    assertFalse(a.toString().contains("key-a"));
  }

  @Test(expected = IllegalArgumentException.class)
  public void shortKeysAreRefused() {
    new Tokenizer("short".getBytes(StandardCharsets.UTF_8));
  }
}
