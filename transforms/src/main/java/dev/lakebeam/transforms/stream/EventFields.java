package dev.lakebeam.transforms.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakebeam.transforms.clean.Rules;
import java.time.format.DateTimeParseException;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * What the stream reads of an event's JSON payload before it is parsed: its event id, for the
 * redelivery check, and its event time, for timestamps and watermarks when it can be trusted.
 */
public final class EventFields {
  /**
   * Event times later than the clock at the read plus this are not used as timestamps (the record
   * takes its arrival time). It guards windows and watermarks; --futureToleranceMinutes decides
   * rejects, from the clock when the record is cleaned (a window later).
   */
  public static final Duration TRUSTED_AHEAD = Duration.standardHours(1);

  private static final ObjectMapper JSON = new ObjectMapper();

  private EventFields() {}

  /** The payload as JSON, or null when it is none. */
  public static JsonNode json(String payload) {
    try {
      return JSON.readTree(payload);
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * The trusted event time of a payload's field, or null (no JSON, no such field, or not trusted).
   */
  public static Instant eventTime(String payload, String field) {
    return eventTime(json(payload), field);
  }

  /**
   * The trusted event time of a record's field: an ISO-8601 instant from 1970 to the clock plus
   * {@link #TRUSTED_AHEAD}.
   */
  public static Instant eventTime(JsonNode record, String field) {
    try {
      JsonNode v = record == null ? null : record.get(field);
      Instant t =
          v == null || !v.isTextual()
              ? null
              : new Instant(java.time.Instant.parse(v.asText()).toEpochMilli());
      // Not trusted for windows and watermarks: a year-9999 event would hold its window (and with
      // it the watermark) forever, a year-0001 one would be dropped as late instead of rejected.
      return t == null
              || t.isBefore(Rules.EARLIEST_EVENT)
              || t.isAfter(Instant.now().plus(TRUSTED_AHEAD))
          ? null
          : t;
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  /** The record's event id (a scalar), or null when the payload is no JSON object or has none. */
  public static String eventId(JsonNode record, String field) {
    JsonNode v = record == null || !record.isObject() ? null : record.get(field);
    return v == null || !v.isValueNode() || v.isNull() ? null : v.asText();
  }
}
