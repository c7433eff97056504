package dev.switchboard.media;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Agents' uploads: streamed into the store, typed by their bytes, checked against the platform's limits. */
@DisplayName("POST /api/v1/media streams a file in, sniffs its type and applies the platform's limits")
class MediaUploadTest {

  /** Every platform's largest file is capped at 6 MB, so an upload's whole-body bound is soon reached. */
  static final int MEDIA_MAX_BYTES = 6_000_000;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Acme")
      .settings(new JsonObject().put("MEDIA_MAX_BYTES", MEDIA_MAX_BYTES)).build();

  static TestDb db;
  static Http http;
  static WebClient client;
  static String token;
  static String base;

  @BeforeAll
  static void start() {
    db = env.db();
    http = env.http();
    client = WebClient.create(env.vertx());
    base = env.node().baseUrl();
    token = http.login(env.account().adminEmail(), env.account().password());
  }

  @AfterAll
  static void stop() {
    client.close();
  }

  static byte[] jpeg(int n, long seed) {
    return dev.switchboard.support.Photos.jpeg(n, seed);
  }

  static HttpResponse<Buffer> upload(String platform, String filename, String claimedType, byte[] bytes, String bearer) {
    var req = client.postAbs(base + "/api/v1/media" + (platform == null ? "" : "?platform=" + platform));
    if (bearer != null) {
      req.bearerTokenAuthentication(bearer);
    }
    return req.sendMultipartForm(MultipartForm.create().attribute("note", "ignored")
        .binaryFileUpload("file", filename, Buffer.buffer(bytes), claimedType)).await();
  }

  static String code(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error").getString("code");
  }

  @Test
  @DisplayName("a JPEG named .png and claimed image/png is kept as image/jpeg, and served back byte for byte")
  void sniffedAndKept() {
    byte[] photo = jpeg(700_000, 1);
    HttpResponse<Buffer> r = upload("whatsapp", "../../etc/holiday.png", "image/png", photo, token);
    assertThat(r.statusCode()).isEqualTo(201);
    JsonObject b = r.bodyAsJsonObject();
    assertThat(b.getString("mimeType")).isEqualTo("image/jpeg");
    assertThat(b.getLong("size")).isEqualTo(700_000L);
    assertThat(b.getString("sha256")).isEqualTo(FakeGraph.sha256Hex(photo));
    assertThat(b.getString("filename")).isEqualTo("holiday.png");
    Http.Res back = http.as(token).get("/api/v1/media/" + b.getString("id"));
    assertThat(back.body().getBytes()).isEqualTo(photo);
    assertThat(back.header("Content-Type")).isEqualTo("image/jpeg");
  }

  @Test
  @DisplayName("HTML and SVG named .jpg are refused 422 unsupported_media; nothing is kept")
  void markupRefused() {
    byte[] html = "<!doctype html><html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> r = upload("whatsapp", "photo.jpg", "image/jpeg", html, token);
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(code(r)).isEqualTo("unsupported_media");
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("text/html");
    byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> s = upload("messenger", "photo.jpg", "image/jpeg", svg, token);
    assertThat(code(s)).isEqualTo("unsupported_media");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IN (?, ?)", FakeGraph.sha256Hex(html), FakeGraph.sha256Hex(svg)))
        .isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
  }

  @Test
  @DisplayName("a 5.1 MB photo for WhatsApp is 422 media_too_large naming 5 MB; Instagram takes no PDF; Messenger takes both")
  void platformLimits() {
    byte[] big = jpeg(5_100_000, 2);
    HttpResponse<Buffer> r = upload("whatsapp", "big.jpg", "image/jpeg", big, token);
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(code(r)).isEqualTo("media_too_large");
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("image/jpeg").contains("5 MB");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", FakeGraph.sha256Hex(big))).isZero();
    assertThat(upload("messenger", "big.jpg", "image/jpeg", big, token).statusCode()).isEqualTo(201);

    byte[] pdf = "%PDF-1.4\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);
    HttpResponse<Buffer> ig = upload("instagram", "a.pdf", "application/pdf", pdf, token);
    assertThat(code(ig)).isEqualTo("unsupported_media");
    assertThat(ig.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("Instagram").contains("application/pdf");
    assertThat(upload("whatsapp", "a.pdf", "application/pdf", pdf, token).bodyAsJsonObject().getString("mimeType"))
        .isEqualTo("application/pdf");
  }

  @Test
  @DisplayName("no token 401, an unknown platform 400, a body without a file part 400")
  void refusals() {
    assertThat(upload("whatsapp", "a.jpg", "image/jpeg", jpeg(100, 3), null).statusCode()).isEqualTo(401);
    HttpResponse<Buffer> bad = upload("telegram", "a.jpg", "image/jpeg", jpeg(100, 3), token);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(code(bad)).isEqualTo("bad_platform");
    HttpResponse<Buffer> none = client.postAbs(base + "/api/v1/media?platform=whatsapp").bearerTokenAuthentication(token)
        .sendMultipartForm(MultipartForm.create().attribute("note", "no file")).await();
    assertThat(none.statusCode()).isEqualTo(400);
    HttpResponse<Buffer> json = client.postAbs(base + "/api/v1/media?platform=whatsapp").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("url", "https://example.com/a.jpg")).await();
    assertThat(json.statusCode()).isEqualTo(400);
  }

  static final String BOUNDARY = "sb-test-boundary";

  /** What a raw upload wrote before the server stopped reading, and the server's answer. */
  record Raw(String answer, long written) {
    int status() {
      return answer.length() < 12 ? -1 : Integer.parseInt(answer.substring(9, 12));
    }

    boolean names(String code) {
      return answer.contains("\"code\":\"" + code + "\"");
    }
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] partHead(String name, String filename) {
    return ascii("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
        + (filename == null ? "" : "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream") + "\r\n\r\n");
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /**
   * A chunked upload over a plain socket (so no Content-Length announces its size): {@code head},
   * then {@code fill} again and again up to {@code fillUpTo} bytes, then {@code tail} and the
   * body's end when there is one. Writing stops where the server stops reading (the connection
   * closes); the answer is read meanwhile, as the server sends it.
   */
  static Raw raw(String platform, byte[] head, byte[] fill, long fillUpTo, byte[] tail) throws Exception {
    URI u = URI.create(base);
    try (Socket socket = new Socket(u.getHost(), u.getPort())) {
      socket.setSoTimeout(30_000);
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      Thread reader = new Thread(() -> {
        try {
          socket.getInputStream().transferTo(answer);
        } catch (IOException closed) {
          // the answer came before the connection was closed
        }
      });
      reader.start();
      // a server that neither reads nor closes would hold the writes: the test then fails, it does not hang
      Thread watchdog = new Thread(() -> {
        try {
          Thread.sleep(60_000);
          socket.close();
        } catch (InterruptedException | IOException done) {
          // finished in time
        }
      });
      watchdog.setDaemon(true);
      watchdog.start();
      OutputStream out = socket.getOutputStream();
      out.write(ascii("POST /api/v1/media?platform=" + platform + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
      long written = 0;
      try {
        written += chunk(out, head);
        while (fill != null && written < fillUpTo) {
          written += chunk(out, fill);
        }
        if (tail != null) {
          written += chunk(out, tail);
          out.write(ascii("0\r\n\r\n"));
          out.flush();
        }
      } catch (IOException stopped) {
        // the server closed the connection: it stopped reading
      }
      reader.join(35_000);
      watchdog.interrupt();
      return new Raw(answer.toString(StandardCharsets.ISO_8859_1), written);
    }
  }

  private static int chunk(OutputStream out, byte[] bytes) throws IOException {
    out.write(ascii(Integer.toHexString(bytes.length) + "\r\n"));
    out.write(bytes);
    out.write(ascii("\r\n"));
    return bytes.length;
  }

  static long kept(byte[] bytes) {
    return Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", FakeGraph.sha256Hex(bytes));
  }

  @Test
  @DisplayName("a part other than file (a file part named junk, or a form field) past 4 KiB is 413 field_too_large, "
      + "and the server stops reading: 64 MiB sent without a length end in a closed connection after a few")
  void otherPartsAreBoundedAndReadingStops() throws Exception {
    byte[] zeros = new byte[64 * 1024];
    Raw junk = raw("messenger", partHead("junk", "junk.bin"), zeros, 64L << 20, null);
    assertThat(junk.status()).as(junk.answer()).isEqualTo(413);
    assertThat(junk.names("field_too_large")).as(junk.answer()).isTrue();
    assertThat(junk.written()).as("bytes the server took before closing").isLessThan(24L << 20);

    byte[] letters = new byte[64 * 1024];
    Arrays.fill(letters, (byte) 'a');
    Raw field = raw("messenger", partHead("note", null), letters, 64L << 20, null);
    assertThat(field.status()).as(field.answer()).isEqualTo(413);
    assertThat(field.names("field_too_large")).as(field.answer()).isTrue();
    assertThat(field.written()).as("bytes the server took before closing").isLessThan(24L << 20);

    // a form field is bounded at 4 KiB too, not at the HTTP server's default 8 KiB
    Raw over = raw("messenger", concat(partHead("note", null), ascii("a".repeat(5000) + "\r\n"), partHead("file", "a.jpg"),
        jpeg(2000, 10), ascii("\r\n--" + BOUNDARY + "--\r\n")), null, 0, new byte[0]);
    assertThat(over.status()).as(over.answer()).isEqualTo(413);
    assertThat(over.names("field_too_large")).as(over.answer()).isTrue();

    // a small field beside the file is still fine
    byte[] photo = jpeg(2000, 11);
    Raw fine = raw("messenger", concat(partHead("note", null), ascii("a".repeat(4000) + "\r\n"), partHead("file", "a.jpg"), photo,
        ascii("\r\n--" + BOUNDARY + "--\r\n")), null, 0, new byte[0]);
    assertThat(fine.status()).as(fine.answer()).isEqualTo(201);
    assertThat(kept(photo)).isOne();
  }

  @Test
  @DisplayName("the whole body is at most the platform's largest file and 16 KiB: a file under its limit followed by 30 KB of small "
      + "fields is 413 payload_too_large and the file is not kept; a larger Content-Length is refused before a byte is read")
  void theWholeBodyIsBounded() throws Exception {
    byte[] photo = jpeg(MEDIA_MAX_BYTES - 1000, 12);
    ByteArrayOutputStream fields = new ByteArrayOutputStream();
    for (int i = 0; i < 10; i++) {
      fields.writeBytes(concat(ascii("\r\n"), partHead("note" + i, null), ascii("n".repeat(3000))));
    }
    Raw r = raw("messenger", concat(partHead("file", "big.jpg"), photo), null, 0,
        concat(fields.toByteArray(), ascii("\r\n--" + BOUNDARY + "--\r\n")));
    assertThat(r.status()).as(r.answer()).isEqualTo(413);
    assertThat(r.names("payload_too_large")).as(r.answer()).isTrue();
    assertThat(kept(photo)).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();

    // the same file alone is kept
    Raw alone = raw("messenger", concat(partHead("file", "big.jpg"), photo, ascii("\r\n--" + BOUNDARY + "--\r\n")), null, 0, new byte[0]);
    assertThat(alone.status()).as(alone.answer()).isEqualTo(201);
    assertThat(kept(photo)).isOne();

    // 40 MiB announced: answered at once, though not a byte of the body is sent
    URI u = URI.create(base);
    try (Socket socket = new Socket(u.getHost(), u.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(ascii("POST /api/v1/media?platform=messenger HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
          + token + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nContent-Length: " + (40 << 20) + "\r\n\r\n"));
      byte[] head = new byte[12];
      int n = socket.getInputStream().readNBytes(head, 0, 12);
      assertThat(new String(head, 0, n, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 413");
    }
  }

  @Test
  @DisplayName("a second part named file is 422 one_file, and neither file is kept")
  void oneFilePerUpload() {
    byte[] first = jpeg(3000, 13);
    byte[] second = jpeg(3000, 14);
    HttpResponse<Buffer> r = client.postAbs(base + "/api/v1/media?platform=whatsapp").bearerTokenAuthentication(token)
        .sendMultipartForm(MultipartForm.create()
            .binaryFileUpload("file", "a.jpg", Buffer.buffer(first), "image/jpeg")
            .binaryFileUpload("file", "b.jpg", Buffer.buffer(second), "image/jpeg")).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(422);
    assertThat(code(r)).isEqualTo("one_file");
    assertThat(kept(first)).isZero();
    assertThat(kept(second)).isZero();
  }
}
