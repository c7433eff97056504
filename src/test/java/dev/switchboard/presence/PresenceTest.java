package dev.switchboard.presence;

import dev.switchboard.common.Tokens;
import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Presence across nodes: online while a socket is registered on any node, offline the grace
 * period after the last one closed, offline when the node holding the socket dies; availability;
 * and the collision-control events (viewing, typing: throttled, account-isolated).
 */
class PresenceTest {

  private static final JsonObject SETTINGS = new JsonObject()
      .put("PRESENCE_OFFLINE_AFTER_MS", 400)
      .put("PRESENCE_NODE_TTL_MS", 900)
      .put("PRESENCE_SWEEP_MS", 50);

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(SETTINGS).build();

  private static TestNode other;
  private static Tokens tokens;
  private static Seed.Account acc;
  private static Seed.Account stranger;
  private static String adminToken;
  private static BridgeClient watcher;

  @BeforeAll
  static void setUp() {
    other = env.anotherNode();
    tokens = new Tokens(env.vertx(), TestNode.JWT_SECRET);
    acc = Seed.account(env.db(), "Presence");
    stranger = Seed.account(env.db(), "Stranger");
    adminToken = tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin Presence");
    // the admin watches from the first node; agents connect to the other one
    watcher = env.open(BridgeClient.connect(env.vertx(), env.node().port()))
        .registered(env.node(), Bus.accountAddress(acc.accountId()), adminToken);
  }

  private static long agent(String name) {
    return Seed.insert(env.db(), "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, 'x', 'agent') RETURNING id",
        acc.accountId(), name, name.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 6) + "@p.test");
  }

  private static JsonObject awaitPresence(BridgeClient on, long userId, String presence) {
    return on.await(f -> f.getValue("body") instanceof JsonObject b && "agent.presence".equals(b.getString("type"))
        && String.valueOf(userId).equals(b.getJsonObject("agent").getString("id"))
        && presence.equals(b.getJsonObject("agent").getString("presence")), Duration.ofSeconds(10)).getJsonObject("body");
  }

  private static JsonObject listed(Http http, long userId) {
    JsonArray items = http.as(adminToken).get("/api/v1/agents").json().getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (String.valueOf(userId).equals(items.getJsonObject(i).getString("id"))) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError("agent " + userId + " not listed");
  }

  @Test
  void onlineOnAnyNodeAndOfflineAfterTheGrace() {
    long ana = agent("Ana");
    String token = tokens.issue(ana, acc.accountId(), "agent", "Ana");
    assertEquals("offline", listed(env.http(), ana).getString("presence"));
    BridgeClient socket = BridgeClient.connect(env.vertx(), other.port()).registered(other, Bus.accountAddress(acc.accountId()), token);
    // published by the other node, seen on this node's socket
    JsonObject online = awaitPresence(watcher, ana, "online");
    assertEquals("available", online.getJsonObject("agent").getString("availability"));
    assertEquals(String.valueOf(acc.accountId()), online.getString("accountId"));
    assertFalse(online.containsKey("id"), "presence is ephemeral: no log id");
    JsonObject row = listed(env.http(), ana);
    assertEquals("online", row.getString("presence"));
    assertEquals("Ana", row.getString("name"));

    // the lease outlives the node TTL while the socket stays: the heartbeat renews it
    String leases = env.redisPrefix() + "{presence}:leases";
    String member = acc.accountId() + ":" + ana + ":" + other.config.nodeId();
    double first = score(leases, member);
    Await.until("the lease renewed", Duration.ofSeconds(5), () -> score(leases, member) > first);

    socket.close();
    awaitPresence(watcher, ana, "offline");
    assertEquals("offline", listed(env.http(), ana).getString("presence"));
    assertEquals(1, watcher.ephemeral("agent.presence").stream()
        .filter(e -> String.valueOf(ana).equals(e.getJsonObject("agent").getString("id")) && "offline".equals(e.getJsonObject("agent").getString("presence")))
        .count(), "one offline transition, whichever node saw it");
  }

  @Test
  void aKilledNodesSocketsStopCounting() {
    long bo = agent("Bo");
    String token = tokens.issue(bo, acc.accountId(), "agent", "Bo");
    // a grace far longer than the test: only the node's lease lapsing can make Bo offline
    TestNode doomed = TestNode.start(env.db(), env.redisPrefix(), SETTINGS.copy().put("PRESENCE_OFFLINE_AFTER_MS", 600_000));
    BridgeClient socket = BridgeClient.connect(env.vertx(), doomed.port()).registered(doomed, Bus.accountAddress(acc.accountId()), token);
    awaitPresence(watcher, bo, "online");
    // a crash: the node's Redis and PostgreSQL go before anything on the way down could reach them
    // (its Vert.x then winds down in the background; nothing it does reaches Redis any more)
    doomed.node.services().redis().close();
    doomed.node.services().pool().close();
    doomed.vertx.close();
    long killed = System.nanoTime();
    awaitPresence(watcher, bo, "offline");
    long ms = (System.nanoTime() - killed) / 1_000_000;
    assertTrue(ms < 5_000, "offline within the node TTL of the kill, took " + ms + " ms after it");
    assertEquals("offline", listed(env.http(), bo).getString("presence"));
    socket.close();
  }

  @Test
  void availabilityIsTheAgentsOwnAndPublished() {
    long cy = agent("Cy");
    String token = tokens.issue(cy, acc.accountId(), "agent", "Cy");
    try (Http http = new Http(env.vertx(), other.baseUrl())) {
      Http.Res away = http.as(token).put("/api/v1/me/presence", new JsonObject().put("availability", "away"));
      assertEquals(200, away.status(), away.text());
      assertEquals("away", away.json().getString("availability"));
      assertEquals("offline", away.json().getString("presence"));
      JsonObject event = watcher.await(f -> f.getValue("body") instanceof JsonObject b && "agent.presence".equals(b.getString("type"))
          && String.valueOf(cy).equals(b.getJsonObject("agent").getString("id")), Duration.ofSeconds(10)).getJsonObject("body");
      assertEquals("away", event.getJsonObject("agent").getString("availability"));
      assertEquals("away", listed(env.http(), cy).getString("availability"));
      Http.Res bad = http.as(token).put("/api/v1/me/presence", new JsonObject().put("availability", "asleep"));
      assertEquals(422, bad.status());
      assertEquals("invalid_availability", bad.json().getJsonObject("error").getString("code"));
      assertEquals(400, http.as(token).put("/api/v1/me/presence", new JsonObject()).status());
    }
  }

  @Test
  void viewingAndTypingReachOtherNodesThrottledAndOnlyTheAccount() {
    long dee = agent("Dee");
    String token = tokens.issue(dee, acc.accountId(), "agent", "Dee");
    long channel = Seed.channel(env.db(), acc.accountId(), "whatsapp", "pr-" + UUID.randomUUID().toString().substring(0, 6));
    long contact = Seed.insert(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, ?) RETURNING id",
        acc.accountId(), channel, UUID.randomUUID().toString());
    long conv = Seed.insert(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id, status) VALUES (?, ?, ?, 'open') RETURNING id",
        acc.accountId(), channel, contact);
    String strangerToken = tokens.issue(stranger.adminId(), stranger.accountId(), "admin", "Stranger");
    try (Http http = new Http(env.vertx(), other.baseUrl());
         BridgeClient outsider = BridgeClient.connect(env.vertx(), env.node().port())
             .registered(env.node(), Bus.accountAddress(stranger.accountId()), strangerToken)) {
      String path = "/api/v1/conversations/" + conv + "/activity";
      Http.Res first = http.as(token).post(path, new JsonObject().put("kind", "typing").put("mode", "note"));
      assertEquals(200, first.status(), first.text());
      assertTrue(first.json().getBoolean("published"));
      JsonObject typing = watcher.await(f -> f.getValue("body") instanceof JsonObject b && "conversation.typing".equals(b.getString("type"))
          && String.valueOf(conv).equals(b.getString("conversationId")), Duration.ofSeconds(10)).getJsonObject("body");
      assertEquals("note", typing.getString("mode"));
      assertEquals("Dee", typing.getJsonObject("agent").getString("name"));
      // the second within the throttle window is not published, on whichever node it lands
      Http.Res again = env.http().as(token).post(path, new JsonObject().put("kind", "typing").put("mode", "note"));
      assertFalse(again.json().getBoolean("published"));
      assertTrue(http.as(token).post(path, new JsonObject().put("kind", "viewing")).json().getBoolean("published"));
      JsonObject viewing = watcher.await(f -> f.getValue("body") instanceof JsonObject b && "conversation.viewing".equals(b.getString("type"))
          && String.valueOf(conv).equals(b.getString("conversationId")), Duration.ofSeconds(10)).getJsonObject("body");
      assertTrue(viewing.getBoolean("viewing"));
      assertTrue(http.as(token).post(path, new JsonObject().put("kind", "left")).json().getBoolean("published"));
      watcher.await(f -> f.getValue("body") instanceof JsonObject b && "conversation.viewing".equals(b.getString("type"))
          && Boolean.FALSE.equals(b.getBoolean("viewing")), Duration.ofSeconds(10));
      // another account cannot signal on this conversation, and its sockets saw nothing of it
      assertEquals(404, http.as(strangerToken).post(path, new JsonObject().put("kind", "viewing")).status());
      assertEquals(422, http.as(token).post(path, new JsonObject().put("kind", "dancing")).status());
      assertTrue(outsider.ephemeral(null).stream().noneMatch(e -> String.valueOf(conv).equals(e.getString("conversationId"))),
          "nothing of another account: " + outsider.ephemeral(null));
      // never stored: the log has none of them
      List<String> stored = Seed.strings(env.db(), "SELECT body FROM event_outbox WHERE body LIKE '%conversation.typing%' OR body LIKE '%conversation.viewing%' OR body LIKE '%agent.presence%'");
      assertTrue(stored.isEmpty(), "stored: " + stored);
    }
  }

  private static double score(String key, String member) {
    var r = env.node().node.services().redis().api().zscore(key, member).await();
    return r == null ? -1 : r.toDouble();
  }
}
