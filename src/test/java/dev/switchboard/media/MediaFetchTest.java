package dev.switchboard.media;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inbound media end to end on a real node and PostgreSQL: webhooks with attachments queue
 * downloads, the fetcher takes them from the Graph fake (WhatsApp's media URL object and
 * download link, Messenger's CDN), keeps them in the PostgreSQL store and marks the attachment
 * ready or failed with a message.updated; the API serves the bytes to the media's account only.
 */
@DisplayName("Inbound media is fetched once, kept, and served to its account only")
class MediaFetchTest {

  static final String WA = "118812345678901";
  static final String WA_OTHER = "118812345678999";
  static final String PAGE = "361442187745120";
  static final int MAX = 600_000;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("PROCESSOR_SWEEP_MS", 200)
      .put("MEDIA_FETCH_POLL_MS", 50)
      .put("MEDIA_FETCH_RETRY_BASE_MS", 20)
      .put("MEDIA_FETCH_MAX_ATTEMPTS", 2)
      .put("MEDIA_MAX_BYTES", MAX)).build();

  static TestDb db;
  static FakeGraph graph;
  static Http http;
  static Seed.Account acme;
  static Seed.Account other;
  static String acmeToken;
  static String otherToken;
  static final AtomicLong IDS = new AtomicLong(1298745530100000L);

  @BeforeAll
  static void start() {
    db = env.db();
    graph = env.graph();
    http = env.http();
    acme = Seed.account(db, "Acme");
    other = Seed.account(db, "Other");
    Seed.channel(db, acme.accountId(), "whatsapp", WA);
    Seed.channel(db, acme.accountId(), "messenger", PAGE);
    Seed.channel(db, other.accountId(), "whatsapp", WA_OTHER);
    // tokens Graph issued: an id they cannot read answers Graph's unknown-object error
    graph.ownsWhatsApp("token-" + WA, "104857600123456", WA);
    graph.ownsWhatsApp("token-" + WA_OTHER, "104857600123999", WA_OTHER);
    acmeToken = http.login(acme.adminEmail(), acme.password());
    otherToken = http.login(other.adminEmail(), other.password());
  }

  static byte[] bytes(int n, long seed) {
    return dev.switchboard.support.Photos.jpeg(n, seed);
  }

  /** Posts WhatsApp's image webhook for {@code phoneNumberId} naming {@code mediaId}; answers the message's external id. */
  static String whatsappImage(String phoneNumberId, String mediaId) {
    String wamid = "wamid.media" + IDS.incrementAndGet();
    post("whatsapp", whatsappImageHook(phoneNumberId, mediaId, wamid));
    return wamid;
  }

  /** WhatsApp's image webhook for {@code phoneNumberId}: message {@code wamid} naming {@code mediaId}. */
  static JsonObject whatsappImageHook(String phoneNumberId, String mediaId, String wamid) {
    JsonObject hook = Fixtures.json("whatsapp_image.json");
    JsonObject value = hook.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonObject("metadata").put("phone_number_id", phoneNumberId);
    JsonObject msg = value.getJsonArray("messages").getJsonObject(0);
    msg.put("id", wamid);
    msg.getJsonObject("image").put("id", mediaId);
    return hook;
  }

  /** Posts Messenger's image webhook whose attachment is {@code url}; answers the mid. */
  static String messengerAttachment(String type, String url) {
    JsonObject hook = Fixtures.json("messenger_attachment_image.json");
    JsonObject message = hook.getJsonArray("entry").getJsonObject(0).getJsonArray("messaging").getJsonObject(0).getJsonObject("message");
    String mid = "m_media" + IDS.incrementAndGet();
    message.put("mid", mid);
    message.getJsonArray("attachments").getJsonObject(0).put("type", type).getJsonObject("payload").put("url", url);
    post("messenger", hook);
    return mid;
  }

  static void post(String platform, JsonObject hook) {
    byte[] body = hook.encode().getBytes(StandardCharsets.UTF_8);
    assertThat(http.webhook(platform, body, Fixtures.sign(body)).status()).isEqualTo(200);
  }

  /** The message's first attachment once it is no longer pending. */
  static JsonObject settled(String externalId) {
    return Await.value("the attachment of " + externalId + " settles", Duration.ofSeconds(20), () -> {
      var rows = Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = ?", externalId);
      if (rows.isEmpty()) {
        return null;
      }
      JsonObject a = new JsonArray(rows.get(0)).getJsonObject(0);
      return "pending".equals(a.getString("status")) ? null : a;
    });
  }

  static long messageId(String externalId) {
    return Seed.scalar(db, "SELECT id FROM messages WHERE external_id = ?", externalId);
  }

  @Test
  @DisplayName("a WhatsApp photo: Graph's URL object, the bearer download, sha256 checked, kept in chunks, ready with a message.updated")
  void whatsappPhoto() {
    byte[] photo = bytes(550_000, 1);
    String mediaId = String.valueOf(IDS.incrementAndGet());
    graph.media("token-" + WA, mediaId, photo, "image/jpeg");
    String wamid = whatsappImage(WA, mediaId);
    JsonObject a = settled(wamid);
    assertThat(a.getString("status")).isEqualTo("ready");
    assertThat(a.getString("metaMediaId")).isEqualTo(mediaId);
    assertThat(a.getString("mimeType")).isEqualTo("image/jpeg");
    assertThat(a.getLong("size")).isEqualTo(550_000L);
    String id = a.getString("mediaId");
    // three chunk rows of at most 256 KiB: never the whole file in one row
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", Long.parseLong(id))).isEqualTo(3);
    assertThat(Seed.scalar(db, "SELECT max(length(data)) FROM media_chunks WHERE media_id = ?", Long.parseLong(id)))
        .isEqualTo(PgMediaStore.CHUNK);
    assertThat(Seed.strings(db, "SELECT status FROM media_fetches WHERE message_id = ?", messageId(wamid))).containsExactly("done");
    // the attachment references its blob, so retention keeps it while the message names it
    assertThat(Seed.scalar(db, "SELECT media_id FROM media_refs WHERE message_id = ? AND idx = 0", messageId(wamid)))
        .isEqualTo(Long.parseLong(id));
    // the download carried the channel's token
    FakeGraph.Call download = graph.calls().stream().filter(c -> c.query() != null && c.query().contains("mid=" + mediaId))
        .findFirst().orElseThrow();
    assertThat(download.headers().get("authorization")).isEqualTo("Bearer token-" + WA);

    Http.Res r = http.as(acmeToken).get("/api/v1/media/" + id);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().getBytes()).isEqualTo(photo);
    assertThat(r.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(r.header("Content-Disposition")).startsWith("inline");
    assertThat(r.header("Cache-Control")).startsWith("private");
    assertThat(r.header("ETag")).isEqualTo("\"" + FakeGraph.sha256Hex(photo) + "\"");

    // a range across the first chunk boundary
    Http.Res part = http.as(acmeToken).send(HttpMethod.GET, "/api/v1/media/" + id, null, Map.of("Range", "bytes=262000-262399"));
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.header("Content-Range")).isEqualTo("bytes 262000-262399/550000");
    assertThat(part.body().getBytes()).isEqualTo(Arrays.copyOfRange(photo, 262000, 262400));
    Http.Res tail = http.as(acmeToken).send(HttpMethod.GET, "/api/v1/media/" + id, null, Map.of("Range", "bytes=-10"));
    assertThat(tail.body().getBytes()).isEqualTo(Arrays.copyOfRange(photo, 549_990, 550_000));
    assertThat(http.as(acmeToken).send(HttpMethod.GET, "/api/v1/media/" + id, null, Map.of("Range", "bytes=550000-")).status())
        .isEqualTo(416);
    assertThat(http.as(acmeToken).send(HttpMethod.GET, "/api/v1/media/" + id, null, Map.of("If-None-Match", r.header("ETag"))).status())
        .isEqualTo(304);

    // the live log has the update, with Switchboard's media id and status ready
    JsonArray events = http.as(acmeToken).get("/api/v1/events?limit=500").items();
    boolean seen = events.stream().map(o -> (JsonObject) o)
        .filter(e -> "message.updated".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data").getJsonArray("attachments").getJsonObject(0))
        .anyMatch(att -> "ready".equals(att.getString("status")) && id.equals(att.getString("mediaId")) && att.getLong("size") == 550_000L);
    assertThat(seen).as("message.updated with the ready attachment").isTrue();
  }

  @Test
  @DisplayName("another account gets 404, no token gets 401; identical bytes are kept once per account")
  void isolationAndDedupe() {
    byte[] doc = bytes(40_000, 2);
    String m1 = String.valueOf(IDS.incrementAndGet());
    String m2 = String.valueOf(IDS.incrementAndGet());
    String m3 = String.valueOf(IDS.incrementAndGet());
    graph.media("token-" + WA, m1, doc, "image/jpeg");
    graph.media("token-" + WA, m2, doc, "image/jpeg");
    graph.media("token-" + WA_OTHER, m3, doc, "image/jpeg");
    String id1 = settled(whatsappImage(WA, m1)).getString("mediaId");
    String id2 = settled(whatsappImage(WA, m2)).getString("mediaId");
    String id3 = settled(whatsappImage(WA_OTHER, m3)).getString("mediaId");
    assertThat(id2).isEqualTo(id1);
    assertThat(id3).isNotEqualTo(id1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", FakeGraph.sha256Hex(doc))).isEqualTo(2);
    // one chunk row for the one copy, referenced by both of its messages
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", Long.parseLong(id1))).isEqualTo(1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_refs WHERE media_id = ?", Long.parseLong(id1))).isEqualTo(2);

    assertThat(http.as(otherToken).get("/api/v1/media/" + id1).status()).isEqualTo(404);
    assertThat(http.as(otherToken).get("/api/v1/media/" + id1 + "/link").status()).isEqualTo(404);
    assertThat(http.as(otherToken).get("/api/v1/media/" + id3).body().getBytes()).isEqualTo(doc);
    assertThat(http.get("/api/v1/media/" + id1).status()).isEqualTo(401);
    assertThat(http.as(acmeToken).get("/api/v1/media/999999999").errorCode()).isEqualTo("not_found");
  }

  @Test
  @DisplayName("a signed link serves without a token until it expires; a changed id, account or signature is refused")
  void signedLinks() {
    byte[] photo = bytes(5_000, 3);
    String m = String.valueOf(IDS.incrementAndGet());
    graph.media("token-" + WA, m, photo, "image/jpeg");
    String id = settled(whatsappImage(WA, m)).getString("mediaId");
    JsonObject link = http.as(acmeToken).get("/api/v1/media/" + id + "/link").json();
    String url = link.getString("url");
    assertThat(url).startsWith("/media/" + id + "?");
    assertThat(Duration.between(java.time.Instant.now(), java.time.Instant.parse(link.getString("expiresAt"))).toSeconds())
        .isBetween(590L, 600L);
    Http.Res r = http.get(url);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().getBytes()).isEqualTo(photo);
    assertThat(http.get(url.replace("/media/" + id + "?", "/media/" + (Long.parseLong(id) + 1) + "?")).status()).isEqualTo(403);
    assertThat(http.get(url.replace("a=" + acme.accountId(), "a=" + other.accountId())).status()).isEqualTo(403);
    assertThat(http.get(url.substring(0, url.length() - 2) + "xx").status()).isEqualTo(403);
    assertThat(http.get(url.replaceAll("e=\\d+", "e=" + (java.time.Instant.now().getEpochSecond() - 1))).status()).isEqualTo(403);
  }

  @Test
  @DisplayName("a sha256 mismatch is retried, then failed; nothing is kept")
  void checksumMismatch() {
    byte[] photo = bytes(10_000, 4);
    String m = String.valueOf(IDS.incrementAndGet());
    graph.media(m, new FakeGraph.Media("token-" + WA, photo, "image/jpeg", "0".repeat(64), photo.length));
    String wamid = whatsappImage(WA, m);
    JsonObject a = settled(wamid);
    assertThat(a.getString("status")).isEqualTo("failed");
    assertThat(a.getString("reason")).startsWith("checksum mismatch");
    assertThat(a.containsKey("mediaId")).isFalse();
    assertThat(graph.calls().stream().filter(c -> c.query() != null && c.query().contains("mid=" + m)).count()).isEqualTo(2);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", FakeGraph.sha256Hex(photo))).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
  }

  @Test
  @DisplayName("an expired download link (404) and a media id Graph no longer has fail at once as \"expired at Meta\"")
  void expired() {
    byte[] photo = bytes(1_000, 5);
    String gone = String.valueOf(IDS.incrementAndGet());
    graph.media("token-" + WA, gone, photo, "image/jpeg").expire(gone);
    JsonObject a = settled(whatsappImage(WA, gone));
    assertThat(a.getString("status")).isEqualTo("failed");
    assertThat(a.getString("reason")).isEqualTo("expired at Meta");
    assertThat(graph.calls().stream().filter(c -> c.query() != null && c.query().contains("mid=" + gone)).count()).isEqualTo(1);

    JsonObject b = settled(whatsappImage(WA, String.valueOf(IDS.incrementAndGet())));
    assertThat(b.getString("reason")).isEqualTo("expired at Meta");
  }

  @Test
  @DisplayName("a file over MEDIA_MAX_BYTES, or longer than the file_size WhatsApp announced, fails as too large and keeps nothing")
  void tooLarge() {
    byte[] big = bytes(MAX + 1, 6);
    String m = String.valueOf(IDS.incrementAndGet());
    graph.media("token-" + WA, m, big, "video/mp4");
    JsonObject a = settled(whatsappImage(WA, m));
    assertThat(a.getString("status")).isEqualTo("failed");
    assertThat(a.getString("reason")).startsWith("too large");

    byte[] lying = bytes(50_000, 7);
    String m2 = String.valueOf(IDS.incrementAndGet());
    graph.media(m2, new FakeGraph.Media("token-" + WA, lying, "image/jpeg", FakeGraph.sha256Hex(lying), 1_000));
    JsonObject b = settled(whatsappImage(WA, m2));
    assertThat(b.getString("reason")).startsWith("too large");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", FakeGraph.sha256Hex(lying))).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
  }

  @Test
  @DisplayName("Messenger CDN files are kept with the CDN's type; SVG and HTML are served as attachments, never inline")
  void messengerCdnAndUnsafeTypes() {
    byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".getBytes(StandardCharsets.UTF_8);
    JsonObject a = settled(messengerAttachment("image", graph.cdnFile("x.svg", svg, "image/svg+xml")));
    assertThat(a.getString("status")).isEqualTo("ready");
    Http.Res r = http.as(acmeToken).get("/api/v1/media/" + a.getString("mediaId"));
    assertThat(r.body().getBytes()).isEqualTo(svg);
    assertThat(r.header("Content-Type")).isEqualTo("image/svg+xml");
    assertThat(r.header("Content-Disposition")).startsWith("attachment");
    assertThat(r.header("Content-Security-Policy")).contains("sandbox");

    byte[] html = "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8);
    JsonObject h = settled(messengerAttachment("file", graph.cdnFile("invoice.html", html, "text/html; charset=utf-8")));
    Http.Res hr = http.as(acmeToken).get("/api/v1/media/" + h.getString("mediaId"));
    assertThat(hr.header("Content-Type")).isEqualTo("text/html");
    assertThat(hr.header("Content-Disposition")).startsWith("attachment");
    assertThat(hr.header("X-Content-Type-Options")).isEqualTo("nosniff");

    String expiredUrl = graph.cdnFile("old.jpg", bytes(100, 8), "image/jpeg");
    graph.expire("/cdn/v/t1.15752-9/old.jpg");
    JsonObject e = settled(messengerAttachment("image", expiredUrl));
    assertThat(e.getString("status")).isEqualTo("failed");
    assertThat(e.getString("reason")).isEqualTo("expired at Meta");
  }

  @Test
  @DisplayName("results arriving together are recorded together (fewer transactions than fetches); a message's three attachments all end ready")
  void resultsRecordedTogether() {
    JsonObject hook = Fixtures.json("messenger_attachment_image.json");
    JsonObject message = hook.getJsonArray("entry").getJsonObject(0).getJsonArray("messaging").getJsonObject(0).getJsonObject("message");
    String mid = "m_media" + IDS.incrementAndGet();
    message.put("mid", mid);
    JsonObject first = message.getJsonArray("attachments").getJsonObject(0);
    JsonArray three = new JsonArray();
    List<byte[]> files = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] b = bytes(3_000 + i, 40 + i);
      files.add(b);
      three.add(first.copy().put("type", i == 2 ? "file" : "image")
          .put("payload", new JsonObject().put("url", graph.cdnFile("three-" + mid + "-" + i + ".jpg", b, "image/jpeg"))));
    }
    message.put("attachments", three);
    List<String> mediaIds = new ArrayList<>();
    List<String> wamids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      mediaIds.add(String.valueOf(IDS.incrementAndGet()));
      wamids.add("wamid.together" + IDS.incrementAndGet());
      graph.media("token-" + WA, mediaIds.get(i), bytes(2_000 + i, 50 + i), "image/jpeg");
    }
    post("messenger", hook);
    for (int i = 0; i < wamids.size(); i++) {
      post("whatsapp", whatsappImageHook(WA, mediaIds.get(i), wamids.get(i)));
    }

    JsonArray attachments = Await.value("all three attachments of " + mid + " settle", Duration.ofSeconds(20), () -> {
      JsonArray a = new JsonArray(Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = ?", mid).stream()
          .findFirst().orElse("[]"));
      return a.size() == 3 && a.stream().allMatch(x -> !"pending".equals(((JsonObject) x).getString("status"))) ? a : null;
    });
    for (int i = 0; i < 3; i++) {
      JsonObject a = attachments.getJsonObject(i);
      assertThat(a.getString("status")).as("attachment %d", i).isEqualTo("ready");
      assertThat(http.as(acmeToken).get("/api/v1/media/" + a.getString("mediaId")).body().getBytes()).isEqualTo(files.get(i));
    }
    assertThat(Seed.strings(db, "SELECT idx || ':' || media_id FROM media_refs WHERE message_id = ? ORDER BY idx", messageId(mid)))
        .containsExactly("0:" + attachments.getJsonObject(0).getString("mediaId"), "1:" + attachments.getJsonObject(1).getString("mediaId"),
            "2:" + attachments.getJsonObject(2).getString("mediaId"));
    List<Long> ids = new ArrayList<>();
    ids.add(messageId(mid));
    for (String w : wamids) {
      assertThat(settled(w).getString("status")).isEqualTo("ready");
      ids.add(messageId(w));
    }
    // each flush is one transaction: the fetch rows it ended carry its id
    String these = ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    long fetches = Seed.scalar(db, "SELECT count(*) FROM media_fetches WHERE message_id IN (" + these + ")");
    long transactions = Seed.scalar(db, "SELECT count(DISTINCT xmin::text) FROM media_fetches WHERE message_id IN (" + these + ")");
    assertThat(fetches).isEqualTo(11);
    assertThat(transactions).as("transactions recording 11 fetches").isLessThan(11);
  }
}
