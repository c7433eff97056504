package dev.switchboard.media;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fetch's result waits for the next flush (results are recorded together); a node that stops
 * must record what it holds before it is gone, not leave the row leased until its lease expires.
 */
@DisplayName("A node that stops records the media results it holds")
class MediaStopTest {

  static final String WA = "118812345670088";

  // no node of the class's own: the stopping node must be the one that downloads
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().withoutNode().account("Acme").build();

  @Test
  @DisplayName("stopped while a download is in flight: the download ends and its result is recorded before the node is gone")
  void stopRecordsWhatItHolds() {
    TestDb db = env.db();
    FakeGraph graph = env.graph();
    Seed.channel(db, env.account().accountId(), "whatsapp", WA);
    byte[] bytes = MediaFetchTest.bytes(80_000, 9);
    String mediaId = "7700012399";
    graph.media("token-" + WA, mediaId, bytes, "image/jpeg");
    graph.slow(mediaId, 1_500);
    TestNode node = TestNode.start(db, env.redisPrefix(), new JsonObject().put("GRAPH_API_URL", graph.url())
        .put("PROCESSOR_SWEEP_MS", 200).put("MEDIA_FETCH_POLL_MS", 50));
    Http http = new Http(env.vertx(), node.baseUrl());
    byte[] hook = MediaFetchTest.whatsappImageHook(WA, mediaId, "wamid.stop1").encode().getBytes(StandardCharsets.UTF_8);
    assertThat(http.webhook("whatsapp", hook, Fixtures.sign(hook)).status()).isEqualTo(200);
    Await.until("the download waits on the slow CDN", Duration.ofSeconds(20), () -> MediaLeaseTakeoverTest.downloads(graph, mediaId) == 1);
    http.close();

    node.close();

    // nothing runs any more: what the database holds is what the stopping node recorded
    assertThat(Seed.strings(db, "SELECT status FROM media_fetches")).containsExactly("done");
    assertThat(Seed.strings(db, "SELECT claimed_by FROM media_fetches WHERE claimed_by IS NOT NULL")).isEmpty();
    JsonObject a = new JsonArray(Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = 'wamid.stop1'").get(0))
        .getJsonObject(0);
    assertThat(a.getString("status")).isEqualTo("ready");
    assertThat(Seed.scalar(db, "SELECT size FROM media WHERE id = ?", Long.parseLong(a.getString("mediaId")))).isEqualTo(80_000);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE body LIKE '%message.updated%'")).isEqualTo(1);
  }
}
