package dev.lakebeam.transforms.stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

public class EventFieldsTest {
  @Test
  public void anEventTimeIsTrustedFrom1970ToTheClockPlusAnHour() {
    assertEquals(
        Instant.parse("2025-06-30T10:00:00Z"),
        EventFields.eventTime("{\"ts\":\"2025-06-30T10:00:00Z\"}", "ts"));
    Instant soon = Instant.now().plus(Duration.standardMinutes(30));
    assertEquals(soon, EventFields.eventTime("{\"ts\":\"" + soon + "\"}", "ts"));
    assertNull(
        EventFields.eventTime(
            "{\"ts\":\"" + Instant.now().plus(Duration.standardHours(2)) + "\"}", "ts"));
    assertNull(EventFields.eventTime("{\"ts\":\"9999-12-31T00:00:00Z\"}", "ts"));
    assertNull(EventFields.eventTime("{\"ts\":\"0001-01-01T00:00:00Z\"}", "ts"));
    assertNull(EventFields.eventTime("{\"ts\":\"yesterday\"}", "ts"));
    assertNull(EventFields.eventTime("{\"ts\":1751277600000}", "ts"));
    assertNull(EventFields.eventTime("{\"other\":\"2025-06-30T10:00:00Z\"}", "ts"));
    assertNull(EventFields.eventTime("not json {", "ts"));
  }

  @Test
  public void anEventIdIsAScalarOfAJsonObject() {
    assertEquals("42", EventFields.eventId(EventFields.json("{\"order_id\":42}"), "order_id"));
    assertEquals(
        "e-1", EventFields.eventId(EventFields.json("{\"event_id\":\"e-1\"}"), "event_id"));
    assertNull(EventFields.eventId(EventFields.json("{\"order_id\":null}"), "order_id"));
    assertNull(EventFields.eventId(EventFields.json("{\"order_id\":[1]}"), "order_id"));
    assertNull(EventFields.eventId(EventFields.json("[{\"order_id\":1}]"), "order_id"));
    assertNull(EventFields.eventId(EventFields.json("not json {"), "order_id"));
  }
}
