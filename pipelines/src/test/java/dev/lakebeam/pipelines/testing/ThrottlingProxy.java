package dev.lakebeam.pipelines.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.thirdparty.jackson.core.JsonFactory;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 in front of a real Kinesis API that refuses every {@code every}-th
 * call of one operation as Kinesis does when a shard's limit is exceeded, without passing it on;
 * every other request goes to the server unchanged. For the emulator, which does not enforce the
 * shard limits. Refusals alternate between Kinesis's two forms: the whole call failing (HTTP 400,
 * {@code ProvisionedThroughputExceededException}, as GetRecords and PutRecord fail) and, for
 * PutRecords, a 200 answer in which every record failed with that error code (as PutRecords reports
 * a shard over its limit).
 */
public final class ThrottlingProxy implements AutoCloseable {
  private final int targetPort;
  private final String operation;
  private final int every;
  private final int burst;
  private final ServerSocket server;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  /**
   * @param operation e.g. {@code PutRecords} (the X-Amz-Target's last part)
   */
  public ThrottlingProxy(int targetPort, String operation, int every) throws IOException {
    this(targetPort, operation, every, 1);
  }

  /**
   * Refuses {@code burst} calls in a row out of every {@code every} (the last ones of each run of
   * {@code every}): a burst longer than the SDK's own retries reaches the caller's retry loop.
   */
  public ThrottlingProxy(int targetPort, String operation, int every, int burst)
      throws IOException {
    if (burst < 1 || burst >= every) {
      throw new IllegalArgumentException("need 1 <= burst < every");
    }
    this.targetPort = targetPort;
    this.operation = operation;
    this.every = every;
    this.burst = burst;
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::accept, "throttling-proxy");
    t.setDaemon(true);
    t.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Calls of the operation seen so far (refused or passed on). */
  public int calls() {
    return calls.get();
  }

  /** Calls of the operation refused so far. */
  public int refused() {
    return refused.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Thread t = new Thread(() -> serve(client), "throttling-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client;
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      InputStream upIn = new BufferedInputStream(upstream.getInputStream());
      OutputStream upOut = upstream.getOutputStream();
      while (true) {
        Message request = Message.read(in);
        if (request == null) {
          return;
        }
        String target = request.header("x-amz-target");
        if (target != null
            && target.endsWith("." + operation)
            && (calls.incrementAndGet() - 1) % every >= every - burst) {
          int n = refused.incrementAndGet();
          if (operation.equals("PutRecords") && n % 2 == 0) {
            out.write(recordsFailed(request));
            out.flush();
            continue;
          }
          // The error type in the header, as Kinesis sends it; no body, which both the JSON and
          // the CBOR protocol of the SDK read as empty.
          out.write(
              ("HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ProvisionedThroughputExceededException:\r\n"
                      + "x-amzn-RequestId: throttled-"
                      + refused.get()
                      + "\r\nContent-Length: 0\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          continue;
        }
        upOut.write(request.bytes);
        upOut.flush();
        Message response = Message.read(upIn);
        if (response == null) {
          return;
        }
        out.write(response.bytes);
        out.flush();
      }
    } catch (IOException e) {
      // a side closed the connection
    }
  }

  /**
   * Refusals answered with a 200 whose every record failed (the other half were whole-call 400s).
   */
  public int recordsFailedAnswers() {
    return operation.equals("PutRecords") ? refused.get() / 2 : 0;
  }

  /** A PutRecords answer in the request's protocol (CBOR or JSON) with every record refused. */
  private static byte[] recordsFailed(Message request) throws IOException {
    String type = request.header("content-type");
    boolean cbor = type != null && type.contains("cbor");
    JsonFactory factory = cbor ? new CBORFactory() : new JsonFactory();
    int records = 0;
    try (JsonParser p = factory.createParser(request.body())) {
      p.nextToken(); // the request object
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        p.nextToken();
        if (field.equals("Records")) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            records++;
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try (JsonGenerator g = factory.createGenerator(body)) {
      g.writeStartObject();
      g.writeNumberField("FailedRecordCount", records);
      g.writeArrayFieldStart("Records");
      for (int i = 0; i < records; i++) {
        g.writeStartObject();
        g.writeStringField("ErrorCode", "ProvisionedThroughputExceededException");
        g.writeStringField(
            "ErrorMessage", "Rate exceeded for shard shardId-000000000000 (throttling proxy)");
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: "
                + type
                + "\r\nx-amzn-RequestId: records-failed\r\nContent-Length: "
                + body.size()
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    body.writeTo(all);
    return all.toByteArray();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /** One HTTP/1.1 message as bytes (head and a Content-Length or chunked body). */
  private record Message(String head, byte[] bytes) {
    /** The body (after the head); chunked bodies are not decoded (the SDK sends Content-Length). */
    byte[] body() {
      int start = head.getBytes(StandardCharsets.ISO_8859_1).length + 2;
      return Arrays.copyOfRange(bytes, start, bytes.length);
    }

    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    static Message read(InputStream in) throws IOException {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      String head = line(in, all);
      if (head == null) {
        return null;
      }
      StringBuilder sb = new StringBuilder(head).append("\r\n");
      String l;
      while ((l = line(in, all)) != null && !l.isEmpty()) {
        sb.append(l).append("\r\n");
      }
      Message m = new Message(sb.toString(), null);
      String length = m.header("content-length");
      String encoding = m.header("transfer-encoding");
      if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
        while (true) {
          String size = line(in, all);
          int n = Integer.parseInt(size.split(";")[0].trim(), 16);
          copy(in, all, n);
          line(in, all); // the CRLF after the chunk (or after the trailers when n == 0)
          if (n == 0) {
            break;
          }
        }
      } else if (length != null) {
        copy(in, all, Integer.parseInt(length));
      }
      return new Message(m.head, all.toByteArray());
    }

    private static void copy(InputStream in, ByteArrayOutputStream all, int n) throws IOException {
      byte[] b = in.readNBytes(n);
      if (b.length < n) {
        throw new IOException("connection closed in a message body");
      }
      all.write(b);
    }

    /**
     * A line without its CRLF (the bytes, CRLF included, go to {@code all}); null at end of stream.
     */
    private static String line(InputStream in, ByteArrayOutputStream all) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) >= 0) {
        all.write(c);
        if (c == '\n') {
          byte[] b = line.toByteArray();
          int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
          return new String(b, 0, len, StandardCharsets.ISO_8859_1);
        }
        line.write(c);
      }
      return line.size() == 0 ? null : new String(line.toByteArray(), StandardCharsets.ISO_8859_1);
    }
  }
}
