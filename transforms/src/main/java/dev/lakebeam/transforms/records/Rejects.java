package dev.lakebeam.transforms.records;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.Partitioning;
import dev.lakebeam.schemas.RejectReason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Instant;

/** Dead letters: rows of the {@code clean/rejects} schema, with the payload kept whole. */
public final class Rejects {
  public static final Schema SCHEMA = Dataset.REJECTS.beamSchema();
  public static final TupleTag<Row> TAG = new TupleTag<Row>("rejects") {};

  /** Stored payloads are cut at this many characters (the full size is in the message). */
  public static final int MAX_PAYLOAD_CHARS = 64 * 1024;

  /** A reject's folder under the zone's _rejected/: {dataset}/ingest_date={day}. */
  public static String partition(Row reject, Object day) {
    return reject.getString("dataset") + "/" + Partitioning.ingestDate(day);
  }

  /** The partition of every reject of a run that writes them on one day. */
  public static SerializableFunction<Row, String> partitionOn(String day) {
    return r -> partition(r, day);
  }

  private Rejects() {}

  public static Row of(
      String dataset,
      RejectReason reason,
      String message,
      String sourceRef,
      String payload,
      Instant at) {
    String stored = payload;
    if (payload != null && payload.length() > MAX_PAYLOAD_CHARS) {
      stored = payload.substring(0, MAX_PAYLOAD_CHARS);
      message =
          message
              + " (payload of "
              + payload.length()
              + " characters cut to "
              + MAX_PAYLOAD_CHARS
              + ")";
    }
    return Row.withSchema(SCHEMA)
        .withFieldValue("dataset", dataset)
        .withFieldValue("reason_code", reason.name())
        .withFieldValue("message", message)
        .withFieldValue("stage", reason.stage())
        .withFieldValue("source_ref", sourceRef)
        .withFieldValue("payload", stored == null ? "" : stored)
        .withFieldValue("payload_base64", null)
        .withFieldValue("rejected_at", at)
        .withFieldValue("_schema_version", Dataset.REJECTS.schemaVersion())
        .build();
  }

  /** A reject whose payload is raw bytes that may not be valid UTF-8: both forms are kept. */
  public static Row ofBytes(
      String dataset,
      RejectReason reason,
      String message,
      String sourceRef,
      byte[] payload,
      Instant at) {
    Row r =
        of(dataset, reason, message, sourceRef, new String(payload, StandardCharsets.UTF_8), at);
    if (isValidUtf8(payload) && !r.getString("payload").contains("\u0000")) {
      return r;
    }
    byte[] kept =
        payload.length > MAX_PAYLOAD_CHARS ? Arrays.copyOf(payload, MAX_PAYLOAD_CHARS) : payload;
    return Row.fromRow(r)
        .withFieldValue("payload_base64", Base64.getEncoder().encodeToString(kept))
        .build();
  }

  public static boolean isValidUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
