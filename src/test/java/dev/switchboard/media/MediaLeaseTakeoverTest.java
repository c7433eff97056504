package dev.switchboard.media;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes share the media fetch queue. The node that claims a download first is stuck on a
 * slow CDN past its lease; the other node takes the row over and keeps the file; the first
 * node's late result changes nothing: the attachment is made ready once, with one
 * message.updated, and the bytes are kept once.
 */
@DisplayName("A download stuck past its lease is taken over by another node, and made ready once")
class MediaLeaseTakeoverTest {

  static final String WA = "118812345670077";

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("PROCESSOR_SWEEP_MS", 200)
      .put("MEDIA_FETCH_POLL_MS", 50)
      .put("MEDIA_FETCH_LEASE_MS", 1000)).build();

  @Test
  @DisplayName("node X holds the slow download, its lease runs out, node Y claims and finishes; X's late result is discarded")
  void takeover() {
    TestDb db = env.db();
    FakeGraph graph = env.graph();
    Http http = env.http();
    env.anotherNode();
    Seed.Account acme = Seed.account(db, "Acme");
    Seed.channel(db, acme.accountId(), "whatsapp", WA);
    String token = http.login(acme.adminEmail(), acme.password());

    byte[] bytes = MediaFetchTest.bytes(120_000, 7);
    String mediaId = "7700012345";
    graph.media("token-" + WA, mediaId, bytes, "image/jpeg");
    graph.slow(mediaId, 4_000);
    String wamid = "wamid.takeover1";
    byte[] hook = MediaFetchTest.whatsappImageHook(WA, mediaId, wamid).encode().getBytes(StandardCharsets.UTF_8);
    assertThat(http.webhook("whatsapp", hook, Fixtures.sign(hook)).status()).isEqualTo(200);

    // the first claim: its node now waits on the slow download, past its one-second lease
    String first = Await.value("a node claims the download", Duration.ofSeconds(20), () -> {
      var owners = Seed.strings(db, "SELECT claimed_by FROM media_fetches WHERE claimed_by IS NOT NULL");
      return owners.isEmpty() ? null : owners.get(0);
    });
    Await.until("its download waits on the slow CDN", Duration.ofSeconds(20), () -> downloads(graph, mediaId) == 1);
    graph.fast(mediaId);

    Await.until("the other node keeps the file", Duration.ofSeconds(20), () -> Seed.strings(db,
        "SELECT status FROM media_fetches").equals(java.util.List.of("done")));
    assertThat(Seed.scalar(db, "SELECT attempts FROM media_fetches")).isEqualTo(2);
    String sha = FakeGraph.sha256Hex(bytes);
    String usedAt = Seed.strings(db, "SELECT used_at::text FROM media WHERE sha256 = ?", sha).get(0);

    // the first node's download ends late: its bytes are the kept copy again (used now), nothing else changes
    Await.until("the first node's late download ends", Duration.ofSeconds(20), () -> !Seed.strings(db,
        "SELECT used_at::text FROM media WHERE sha256 = ?", sha).get(0).equals(usedAt));
    assertThat(downloads(graph, mediaId)).isEqualTo(2);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE account_id = ?", acme.accountId())).isEqualTo(1);
    assertThat(Seed.strings(db, "SELECT status FROM media_fetches")).containsExactly("done");
    JsonObject a = new JsonArray(Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = ?", wamid).get(0))
        .getJsonObject(0);
    assertThat(a.getString("status")).isEqualTo("ready");
    long readyEvents = http.as(token).get("/api/v1/events?limit=500").items().stream().map(o -> (JsonObject) o)
        .filter(e -> "message.updated".equals(e.getString("type")))
        .filter(e -> "ready".equals(e.getJsonObject("data").getJsonArray("attachments").getJsonObject(0).getString("status")))
        .count();
    assertThat(readyEvents).isEqualTo(1);
    assertThat(first).contains("/media/");
  }

  static long downloads(FakeGraph graph, String mediaId) {
    return graph.calls().stream().filter(c -> c.query() != null && c.query().contains("mid=" + mediaId)).count();
  }
}
