package dev.switchboard.scale;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A private redis-server killed and started again (empty) under a running node. */
@DisplayName("Redis restarted under a running node")
class RedisRestartIT {

  @RegisterExtension
  static final Requires TOOL = PrivateServers.REDIS_REQUIRED;

  static final int WINDOW_SECONDS = 5;
  static TestDb db;
  static PrivateServers.Redis redis;
  static TestNode node;
  static Vertx clients;
  static Http http;
  static Seed.Account acme;

  // the node runs on the private Redis, started here
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    redis = env.open(PrivateServers.Redis.start());
    node = env.open(TestNode.start(db, env.redisPrefix(), new JsonObject()
        .put("REDIS_URL", redis.url())
        .put("WINDOW_STANDARD", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_HUMAN_AGENT", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_TIMER_POLL_MS", 200)
        .put("PROCESSOR_SWEEP_MS", 200)));
    clients = env.vertx();
    http = env.open(new Http(clients, node.baseUrl()));
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  static String post(String waId, String text) {
    Webhooks.Signed w = Webhooks.whatsappText(waId, "wamid.redis-" + UUID.randomUUID(), text);
    Http.Res r = http.webhook("whatsapp", w.body(), w.signature());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return w.wamid();
  }

  static List<JsonObject> created(BridgeClient s, String wamid) {
    return s.events(Bus.MESSAGE_CREATED).stream().filter(e -> wamid.equals(e.getJsonObject("data").getString("externalId"))).toList();
  }

  @Test
  @DisplayName("live push resumes, the log is refilled from the outbox (a cursor from before answers 410, a full replay misses nothing), and window timers are rebuilt from PostgreSQL")
  void redisRestart() {
    String address = Bus.accountAddress(acme.accountId());
    String token = node.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");
    try (BridgeClient browser = BridgeClient.connect(clients, node.port()).registered(node, address, token)) {
      String before = post("14155580001", "before the restart");
      Await.passes(Duration.ofSeconds(20), () -> assertThat(created(browser, before)).hasSize(1));
      String cursor = created(browser, before).get(0).getString("id");
      long windowConversation = Seed.scalar(db, "SELECT conversation_id FROM messages WHERE external_id = ?", before);

      redis.kill();
      redis.startAgain(); // empty: no persistence

      // the node never restarts: stored webhooks produce events on the new Redis, pushed live
      String after = post("14155580002", "after the restart");
      Await.passes(Duration.ofSeconds(30), () -> assertThat(created(browser, after)).hasSize(1));
      String after2 = post("14155580003", "and another");
      Await.passes(Duration.ofSeconds(20), () -> assertThat(created(browser, after2)).hasSize(1));

      // the log restarted: a cursor from before it cannot be replayed, the page reloads its lists instead
      Http.Res stale = http.as(token).get("/api/v1/events?after=" + cursor + "&limit=200");
      assertThat(stale.status()).as(stale.text()).isEqualTo(410);
      assertThat(stale.errorCode()).isEqualTo("events_gone");
      // and the log holds everything PostgreSQL holds, the events from before the restart refilled from the outbox, once
      Http.Res replay = http.as(token).get("/api/v1/events?limit=200");
      assertThat(replay.status()).as(replay.text()).isEqualTo(200);
      JsonArray items = replay.items();
      List<String> replayed = items.stream().map(o -> (JsonObject) o)
          .filter(e -> Bus.MESSAGE_CREATED.equals(e.getString("type")))
          .map(e -> e.getJsonObject("data").getString("externalId")).toList();
      assertThat(replayed).containsOnlyOnce(before, after, after2);
      Await.passes(Duration.ofSeconds(10), () -> {
        List<String> live = browser.events().stream().map(e -> e.getString("id")).toList();
        for (Object o : items) {
          assertThat(live).as("every replayed event was also pushed live").contains(((JsonObject) o).getString("id"));
        }
      });

      // the timer scheduled before the restart was lost with Redis and is rebuilt from PostgreSQL
      Await.passes(Duration.ofSeconds(WINDOW_SECONDS + 20), () -> assertThat(browser.events(Bus.WINDOW_CHANGED))
          .anyMatch(e -> e.getString("conversationId").equals(String.valueOf(windowConversation))));
      assertThat(browser.events(Bus.WINDOW_CHANGED))
          .filteredOn(e -> e.getString("conversationId").equals(String.valueOf(windowConversation))).hasSize(1);
    }
  }
}
