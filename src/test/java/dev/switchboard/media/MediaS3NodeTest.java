package dev.switchboard.media;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node with {@code MEDIA_STORE=s3} against a real S3 API server (S3Proxy): a customer's photo
 * is fetched into the bucket and served by range through the node; {@code MEDIA_RETENTION_DAYS}
 * sweeps blobs unused that long from both stores, marking their attachments expired live.
 */
@DisplayName("Media kept in S3 is fetched, served and swept after the retention period")
class MediaS3NodeTest {

  static final String WA = "118812345670042";

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().s3().settings(new JsonObject()
      .put("PROCESSOR_SWEEP_MS", 200)
      .put("MEDIA_FETCH_POLL_MS", 50)
      .put("MEDIA_RETENTION_DAYS", 30)).build();

  static TestDb db;
  static FakeGraph graph;
  static Http http;
  static Seed.Account acme;
  static String token;
  static long nextId = 1298745530900000L;

  @BeforeAll
  static void start() {
    db = env.db();
    graph = env.graph();
    http = env.http();
    acme = Seed.account(db, "Acme");
    Seed.channel(db, acme.accountId(), "whatsapp", WA);
    token = http.login(acme.adminEmail(), acme.password());
  }

  /** A customer's WhatsApp photo, fetched and ready; answers the attachment. */
  static JsonObject photo(byte[] bytes) {
    String mediaId = String.valueOf(++nextId);
    graph.media("token-" + WA, mediaId, bytes, "image/jpeg");
    String wamid = "wamid.s3" + mediaId;
    byte[] body = MediaFetchTest.whatsappImageHook(WA, mediaId, wamid).encode().getBytes(StandardCharsets.UTF_8);
    assertThat(http.webhook("whatsapp", body, Fixtures.sign(body)).status()).isEqualTo(200);
    return attachment(wamid, "ready");
  }

  static JsonObject attachment(String wamid, String status) {
    return Await.value("the attachment of " + wamid + " is " + status, Duration.ofSeconds(20), () -> {
      var rows = Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = ?", wamid);
      JsonObject a = rows.isEmpty() ? null : new JsonArray(rows.get(0)).getJsonObject(0).put("wamid", wamid);
      return a != null && status.equals(a.getString("status")) ? a : null;
    });
  }

  static int sweep(MediaStore store) {
    var services = env.node().node.services();
    Promise<Integer> p = Promise.promise();
    services.vertx().runOnContext(v -> new MediaRetentionVerticle(env.node().node.transactions(), store, services.config().media()).sweep().onComplete(p));
    return p.future().await();
  }

  @Test
  @DisplayName("a 600 kB photo lands in the bucket as one object (no chunk rows) and is served whole and by range")
  void fetchedIntoTheBucket() {
    byte[] bytes = MediaFetchTest.bytes(600_000, 1);
    JsonObject a = photo(bytes);
    long id = Long.parseLong(a.getString("mediaId"));
    assertThat(env.s3().keys("media/")).contains(S3MediaStore.key(acme.accountId(), id));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks")).isZero();
    Http.Res whole = http.as(token).get("/api/v1/media/" + id);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.body().getBytes()).isEqualTo(bytes);
    Http.Res part = http.as(token).send(HttpMethod.GET, "/api/v1/media/" + id, null, Map.of("Range", "bytes=262000-524399"));
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body().getBytes()).isEqualTo(Arrays.copyOfRange(bytes, 262000, 524400));
  }

  @Test
  @DisplayName("past MEDIA_RETENTION_DAYS: the object and row go, the attachment says expired (live), a recent blob stays")
  void retentionSweep() {
    JsonObject old = photo(MediaFetchTest.bytes(20_000, 2));
    JsonObject recent = photo(MediaFetchTest.bytes(20_000, 3));
    long oldId = Long.parseLong(old.getString("mediaId"));
    long recentId = Long.parseLong(recent.getString("mediaId"));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_refs WHERE media_id = ?", oldId)).isEqualTo(1);
    Seed.exec(db, "UPDATE media SET used_at = now() - interval '31 days' WHERE id = ?", oldId);

    assertThat(sweep(env.node().node.mediaStore())).isEqualTo(1);

    JsonObject expired = attachment(old.getString("wamid"), "expired");
    assertThat(expired.getString("reason")).isEqualTo(MediaRetentionVerticle.REASON);
    assertThat(expired.getString("mediaId")).isEqualTo(String.valueOf(oldId));
    assertThat(env.s3().keys("media/")).doesNotContain(S3MediaStore.key(acme.accountId(), oldId))
        .contains(S3MediaStore.key(acme.accountId(), recentId));
    assertThat(http.as(token).get("/api/v1/media/" + oldId).status()).isEqualTo(404);
    assertThat(http.as(token).get("/api/v1/media/" + recentId).status()).isEqualTo(200);
    boolean live = http.as(token).get("/api/v1/events?limit=500").items().stream().map(o -> (JsonObject) o)
        .filter(e -> "message.updated".equals(e.getString("type")))
        .anyMatch(e -> "expired".equals(e.getJsonObject("data").getJsonArray("attachments").getJsonObject(0).getString("status")));
    assertThat(live).as("a message.updated with the expired attachment").isTrue();
    assertThat(sweep(env.node().node.mediaStore())).isZero();

    // the PostgreSQL store's sweep takes the chunk rows with the row
    PgMediaStore pg = new PgMediaStore(env.node().node.services().pool());
    Promise<MediaStore.Blob> put = Promise.promise();
    env.node().node.services().vertx().runOnContext(v -> pg.put(acme.accountId(),
        new MediaStoreContractTest.Generated(700_000, 4, env.node().node.services().vertx()), "application/pdf", 1_000_000, null)
        .onComplete(put));
    MediaStore.Blob blob = put.future().await();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", blob.id())).isEqualTo(3);
    Seed.exec(db, "UPDATE media SET used_at = now() - interval '31 days' WHERE id = ?", blob.id());
    assertThat(sweep(pg)).isEqualTo(1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", blob.id())).isZero();
  }

  @Test
  @DisplayName("an upload streams into the bucket; without PUBLIC_URL an Instagram reply with it is 422 unsupported_media saying why")
  void uploadAndInstagramWithoutPublicUrl() {
    long ig = Seed.channel(db, acme.accountId(), "instagram", "17841400008460077");
    byte[] png = MediaFetchTest.bytes(5_000, 9);
    var client = io.vertx.ext.web.client.WebClient.create(env.vertx());
    var up = client.postAbs(env.node().baseUrl() + "/api/v1/media?platform=instagram").bearerTokenAuthentication(token)
        .sendMultipartForm(io.vertx.ext.web.multipart.MultipartForm.create()
            .binaryFileUpload("file", "photo.jpg", io.vertx.core.buffer.Buffer.buffer(png), "application/octet-stream"))
        .await();
    client.close();
    assertThat(up.statusCode()).as(up.bodyAsString()).isEqualTo(201);
    String mediaId = up.bodyAsJsonObject().getString("id");
    assertThat(env.s3().keys("media/")).contains(S3MediaStore.key(acme.accountId(), Long.parseLong(mediaId)));
    assertThat(http.as(token).get("/api/v1/media/" + mediaId).body().getBytes()).isEqualTo(png);

    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) VALUES (?, ?, ?, ?) RETURNING id",
        acme.accountId(), ig, "igsid-77", "Ines");
    long conversation = Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, last_inbound_at) VALUES (?, ?, ?, now()) RETURNING id",
        acme.accountId(), ig, contact);
    Http.Res r = http.as(token).post("/api/v1/conversations/" + conversation + "/messages", new JsonObject().put("type", "reply")
        .put("text", "").put("attachments", new JsonArray().add(new JsonObject().put("mediaId", mediaId))));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("unsupported_media");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("PUBLIC_URL");
  }
}
