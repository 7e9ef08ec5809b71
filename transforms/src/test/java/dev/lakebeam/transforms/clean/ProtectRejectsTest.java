package dev.lakebeam.transforms.clean;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.schemas.Pii;
import dev.lakebeam.schemas.RejectReason;
import dev.lakebeam.transforms.records.Rejects;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

public class ProtectRejectsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Tokenizer TOKENS =
      new Tokenizer("protect-rejects-test-key".getBytes(StandardCharsets.UTF_8));
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Row reject(String dataset, String payload) {
    return Rejects.of(
        dataset,
        RejectReason.WRONG_TYPE,
        "m",
        "f.jsonl:1",
        payload,
        Instant.parse("2025-01-01T00:00:00Z"));
  }

  @Test
  public void theDatasetsWithPersonalDataAreTheOnesWithTokens() {
    assertEquals(Set.of("customers", "click_events", "feedback"), ProtectRejects.PII_DATASETS);
  }

  @Test
  public void piiFieldsOfAnyTypeAndDepthBecomeTheTokensOfTheCleanRows() throws Exception {
    String payload =
        "{\"customer_id\":7,\"full_name\":[\"Wanda\",\"Quist\"],\"email\":\"Wanda.Quist@Example.com\","
            + "\"phone\":{\"n\":\"+1-555-555-0101\"},\"country\":\"US\",\"extra\":{\"ip\":\"198.51.100.7\"}}";
    Row out = ProtectRejects.protect(reject("customers", payload), TOKENS, JSON);
    JsonNode n = JSON.readTree(out.getString("payload"));
    assertEquals(TOKENS.token(Pii.Kind.EMAIL, "wanda.quist@example.com"), n.get("email").asText());
    assertEquals(TOKENS.token(Pii.Kind.NAME, "[\"Wanda\",\"Quist\"]"), n.get("full_name").asText());
    assertEquals(TOKENS.token(Pii.Kind.IP, "198.51.100.7"), n.get("extra").get("ip").asText());
    assertEquals(7, n.get("customer_id").asInt());
    assertEquals("US", n.get("country").asText());
    for (String pii : new String[] {"Wanda", "Quist", "555-0101", "198.51.100.7", "Example.com"}) {
      assertThat(out.toString(), not(containsString(pii)));
    }
  }

  @Test
  public void piiKeysAreMatchedWhateverTheirCase() throws Exception {
    String payload =
        "{\"customer_id\":8,\"EMAIL\":\"Upper.Case@Example.com\",\"Full_Name\":\"Mixed Case\",\"Extra\":{\"IP\":\"203.0.113.9\"}}";
    Row out = ProtectRejects.protect(reject("customers", payload), TOKENS, JSON);
    JsonNode n = JSON.readTree(out.getString("payload"));
    assertEquals(TOKENS.token(Pii.Kind.EMAIL, "upper.case@example.com"), n.get("EMAIL").asText());
    assertEquals(TOKENS.token(Pii.Kind.NAME, "Mixed Case"), n.get("Full_Name").asText());
    assertEquals(TOKENS.token(Pii.Kind.IP, "203.0.113.9"), n.get("Extra").get("IP").asText());
    for (String pii : new String[] {"Upper.Case", "Mixed Case", "203.0.113.9"}) {
      assertThat(out.toString(), not(containsString(pii)));
    }
  }

  @Test
  public void anEmailInAFieldThatIsNotPersonalBecomesItsTokenTimesAndIdsStay() throws Exception {
    String payload =
        "{\"customer_id\":\"leak.one@example.net\",\"updated_at\":\"2025-01-12 22:49:19\",\"tags\":[\"x\",\"b@c.io\"]}";
    Row out = ProtectRejects.protect(reject("customers", payload), TOKENS, JSON);
    JsonNode n = JSON.readTree(out.getString("payload"));
    assertEquals(
        "[email:" + TOKENS.token(Pii.Kind.EMAIL, "leak.one@example.net") + "]",
        n.get("customer_id").asText());
    assertEquals("2025-01-12 22:49:19", n.get("updated_at").asText());
    assertEquals(
        "[email:" + TOKENS.token(Pii.Kind.EMAIL, "b@c.io") + "]", n.get("tags").get(1).asText());
    assertThat(out.toString(), not(containsString("leak.one")));
    // an email as a key, one with letters beyond ASCII, one without a dot in its domain
    Row more =
        ProtectRejects.protect(
            reject(
                "customers",
                "{\"alice.key@example.com\":1,\"note\":\"j\u00f6rg.m\u00fcller@example.de or bob@localhost\"}"),
            TOKENS,
            JSON);
    for (String pii : new String[] {"alice.key", "m\u00fcller", "j\u00f6rg", "bob@"}) {
      assertThat(more.toString(), not(containsString(pii)));
    }
    // rejects of datasets without personal data: an email given as an id is still replaced
    Row order =
        ProtectRejects.protect(
            reject("orders", "900001,someone@example.com,prior,1,2,8,"), TOKENS, JSON);
    assertEquals(
        "900001,[email:" + TOKENS.token(Pii.Kind.EMAIL, "someone@example.com") + "],prior,1,2,8,",
        order.getString("payload"));
  }

  @Test
  public void aPayloadThatDoesNotParseIsWithheldAndPointsAtTheRawZone() {
    Row out = ProtectRejects.protect(reject("feedback", "{\"email\":\"cut.off@exam"), TOKENS, JSON);
    assertEquals("", out.getString("payload"));
    assertNull(out.getString("payload_base64"));
    assertThat(out.getString("message"), containsString("payload of 22 bytes withheld"));
    assertThat(out.getString("message"), containsString("raw zone at source_ref"));
    Row bytes =
        ProtectRejects.protect(
            Rejects.ofBytes(
                "customers",
                RejectReason.INVALID_ENCODING,
                "m",
                "f:2",
                "{\"email\":\"a@b.c\u0000\"}".getBytes(StandardCharsets.UTF_8),
                Instant.now()),
            TOKENS,
            JSON);
    assertNull(bytes.getString("payload_base64"));
    assertEquals("", bytes.getString("payload"));
  }

  @Test
  public void rejectsOfDatasetsWithoutPersonalDataPassUnchanged() {
    Row r = reject("orders", "900001,9001,prior,x");
    assertEquals(r, ProtectRejects.protect(r, TOKENS, JSON));
  }

  @Test
  public void theTransformProtectsEveryReject() {
    PCollection<String> payloads =
        p.apply(
                Create.of(
                        reject("click_events", "{\"ip\":\"203.0.113.9\",\"type\":\"search\"}"),
                        reject("orders", "1,2,3"))
                    .withRowSchema(Rejects.SCHEMA))
            .apply(ProtectRejects.with(TOKENS))
            .apply(
                MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("payload")));
    PAssert.that(payloads)
        .containsInAnyOrder(
            "{\"ip\":\"" + TOKENS.token(Pii.Kind.IP, "203.0.113.9") + "\",\"type\":\"search\"}",
            "1,2,3");
    p.run();
  }
}
