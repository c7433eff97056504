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

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Agents' uploads: streamed into the store, typed by their bytes, checked against the platform's limits. */
@DisplayName("POST /api/v1/media streams a file in, sniffs its type and applies the platform's limits")
class MediaUploadTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Acme").build();

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
}
