package dev.switchboard.ingress;

import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP edge of ingress; the processor is off so every stored body stays countable. */
@DisplayName("Webhook ingress verifies, limits and durably stores what Meta posts")
class WebhookIngressTest {

  static TestDb db;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("PROCESSOR_ENABLED", "false")
      .put("WEBHOOK_MAX_BYTES", 4 * 1024 * 1024)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
  }

  @BeforeEach
  void clean() {
    Db.execute(db, "DELETE FROM raw_events");
  }

  static long stored() {
    return Db.count(db, "SELECT count(*) FROM raw_events");
  }

  @Test
  @DisplayName("the GET handshake answers the challenge as text/plain for the right token, 403 otherwise, 404 for an unknown platform")
  void handshake() {
    for (String platform : new String[] {"whatsapp", "messenger", "instagram"}) {
      Http.Res ok = http.get("/webhooks/" + platform + "?hub.mode=subscribe&hub.verify_token=" + TestNode.VERIFY_TOKEN + "&hub.challenge=1482736509");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.text()).isEqualTo("1482736509");
      assertThat(ok.header("Content-Type")).startsWith("text/plain");
    }
    assertThat(http.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").status()).isEqualTo(403);
    assertThat(http.get("/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=" + TestNode.VERIFY_TOKEN + "&hub.challenge=1").status()).isEqualTo(403);
    assertThat(http.get("/webhooks/whatsapp").status()).isEqualTo(403);
    assertThat(http.get("/webhooks/telegram?hub.mode=subscribe&hub.verify_token=" + TestNode.VERIFY_TOKEN + "&hub.challenge=1").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a fixture with its recorded signature (the exact file bytes) is stored byte for byte and answered 200")
  void recordedSignature() {
    byte[] body = Fixtures.bytes("whatsapp_text_non_ascii.wire.json");
    Http.Res r = http.webhook("whatsapp", body, Fixtures.recordedSignature("whatsapp_text_non_ascii.wire.json"));
    assertThat(r.status()).isEqualTo(200);
    var row = Db.one(db, "SELECT platform, body, status FROM raw_events");
    assertThat(row.get("platform")).isEqualTo("whatsapp");
    assertThat(row.get("body")).isEqualTo(new String(body, StandardCharsets.UTF_8));
    assertThat(row.get("status")).isEqualTo("pending");
  }

  @Test
  @DisplayName("a wrong, malformed or missing signature answers 401 and stores nothing")
  void badSignatures() {
    byte[] body = Fixtures.bytes("messenger_text.json");
    assertThat(http.webhook("messenger", body, null).status()).isEqualTo(401);
    assertThat(http.webhook("messenger", body, Fixtures.sign(body, "another secret")).status()).isEqualTo(401);
    assertThat(http.webhook("messenger", body, "sha256=zz").status()).isEqualTo(401);
    assertThat(http.webhook("messenger", body, Fixtures.sign(body).replace("sha256=", "sha1=")).status()).isEqualTo(401);
    // signed bytes differ from the sent bytes by one character
    byte[] tampered = body.clone();
    tampered[tampered.length - 3] = (byte) ' ';
    Http.Res r = http.webhook("messenger", tampered, Fixtures.recordedSignature("messenger_text.json"));
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorCode()).isEqualTo("invalid_signature");
    assertThat(stored()).isZero();
  }

  @Test
  @DisplayName("without META_APP_SECRET every webhook POST is refused")
  void noSecret() {
    TestNode bare = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject()
        .put("META_APP_SECRET", "").put("PROCESSOR_ENABLED", "false"));
    try (Http h = new Http(bare.vertx, bare.baseUrl())) {
      byte[] body = Fixtures.bytes("instagram_text.json");
      assertThat(h.webhook("instagram", body, Fixtures.recordedSignature("instagram_text.json")).status()).isEqualTo(401);
    } finally {
      bare.close();
    }
    assertThat(stored()).isZero();
  }

  @Test
  @DisplayName("a correctly signed body that is not a JSON object answers 400 and stores nothing")
  void notJson() {
    for (String s : new String[] {"{not json", "[1,2]", "\"text\"", "{} {}", ""}) {
      byte[] body = s.getBytes(StandardCharsets.UTF_8);
      Http.Res r = http.signedWebhook("whatsapp", body);
      assertThat(r.status()).as(s).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_json");
    }
    byte[] latin1 = "{\"a\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(http.signedWebhook("whatsapp", latin1).status()).isEqualTo(400);
    assertThat(stored()).isZero();
  }

  @Test
  @DisplayName("an unknown platform answers 404 and stores nothing")
  void unknownPlatform() {
    byte[] body = Fixtures.bytes("whatsapp_text.json");
    assertThat(http.signedWebhook("telegram", body).status()).isEqualTo(404);
    assertThat(stored()).isZero();
  }

  @Test
  @DisplayName("a ~3 MB signed body is accepted and stored whole; one over the limit answers 413, declared or streamed")
  void sizeLimit() {
    byte[] big = bigBody(3 * 1024 * 1024);
    Http.Res ok = http.signedWebhook("messenger", big);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(Db.count(db, "SELECT length(body) FROM raw_events")).isEqualTo(big.length);

    byte[] huge = bigBody(5 * 1024 * 1024);
    Http.Res declared = http.signedWebhook("messenger", huge);
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.errorCode()).isEqualTo("payload_too_large");

    // chunked: no Content-Length, so the limit trips while the body streams in
    HttpClient client = node.vertx.createHttpClient(new HttpClientOptions());
    try {
      int status = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(node.port())
              .setURI("/webhooks/messenger").putHeader("X-Hub-Signature-256", Fixtures.sign(huge)))
          .compose(req -> {
            req.setChunked(true);
            for (int off = 0; off < huge.length; off += 64 * 1024) {
              req.write(Buffer.buffer(java.util.Arrays.copyOfRange(huge, off, Math.min(huge.length, off + 64 * 1024))));
            }
            req.end();
            return req.response();
          })
          .map(res -> res.statusCode())
          .await();
      assertThat(status).isEqualTo(413);
    } finally {
      client.close().await();
    }
    assertThat(stored()).isEqualTo(1);
  }

  @Test
  @DisplayName("many concurrent webhooks are each stored exactly once (group commit) before their 200")
  void concurrentGroupCommit() {
    HttpClient client = node.vertx.createHttpClient(new HttpClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
    try {
      int n = 400;
      double insertsBefore = node.registry.get("switchboard_raw_inserts").counter().count();
      java.util.List<io.vertx.core.Future<Integer>> all = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] body = ("{\"object\":\"page\",\"entry\":[],\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        all.add(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(node.port())
                .setURI("/webhooks/messenger").putHeader("X-Hub-Signature-256", Fixtures.sign(body)))
            .compose(req -> req.send(Buffer.buffer(body)))
            .map(res -> res.statusCode()));
      }
      io.vertx.core.Future.all(all).await();
      double inserts = node.registry.get("switchboard_raw_inserts").counter().count() - insertsBefore;
      // concurrent requests shared statements: fewer INSERTs than webhooks
      assertThat(inserts).isGreaterThan(0).isLessThan(n);
      assertThat(all).allMatch(f -> f.result() == 200);
      assertThat(stored()).isEqualTo(n);
      assertThat(Db.count(db, "SELECT count(DISTINCT body) FROM raw_events")).isEqualTo(n);
    } finally {
      client.close().await();
    }
  }

  /** A valid Messenger body padded to {@code size} bytes with a long text. */
  static byte[] bigBody(int size) {
    String head = "{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"time\":1,\"messaging\":[]}],\"pad\":\"";
    String tail = "\"}";
    StringBuilder sb = new StringBuilder(size);
    sb.append(head);
    while (sb.length() < size - tail.length()) {
      sb.append('x');
    }
    sb.append(tail);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
