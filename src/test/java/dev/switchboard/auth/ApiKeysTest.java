package dev.switchboard.auth;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys through HTTP: made by admins, shown once, scoped, their own actor, rate-limited, revoked on every node. */
class ApiKeysTest {

  static final int RATE = 25;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph()
      .settings(new JsonObject().put("API_KEY_RATE_PER_MINUTE", RATE)).build();

  static TestDb db;
  static Http http;
  static Tokens tokens;
  static Party a;
  static Party b;

  record Party(long accountId, long channel, long conversation, Http admin, Http agent) {
  }

  @BeforeAll
  static void start() {
    db = env.db();
    http = env.http();
    tokens = new Tokens(env.node().vertx, TestNode.JWT_SECRET);
    a = party("Alpha");
    b = party("Beta");
  }

  static Party party(String name) {
    Seed.Account acc = Seed.account(db, name);
    long agent = Seed.user(db, acc.accountId(), "Agent " + name, "agent+" + UUID.randomUUID().toString().substring(0, 6) + "@x.test",
        "agent-password", "agent");
    long channel = Seed.channel(db, acc.accountId(), "whatsapp", "wa-" + UUID.randomUUID().toString().substring(0, 6));
    return new Party(acc.accountId(), channel, conversation(acc.accountId(), channel),
        http.as(tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin " + name)),
        http.as(tokens.issue(agent, acc.accountId(), "agent", "Agent " + name)));
  }

  // an open conversation whose customer wrote just now: replies are inside the window
  static long conversation(long accountId, long channel) {
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name, wa_id) "
        + "VALUES (?, ?, ?, 'Customer', ?) RETURNING id", accountId, channel, "1555" + (System.nanoTime() % 10_000_000),
        "1555" + (System.nanoTime() % 10_000_000));
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status, last_message_at, last_inbound_at) "
        + "VALUES (?, ?, ?, 'open', now(), now()) RETURNING id", accountId, channel, contact);
  }

  static JsonObject create(Party p, String name, String... scopes) {
    Http.Res r = p.admin().post("/api/v1/api-keys", new JsonObject().put("name", name).put("scopes", new JsonArray(List.of(scopes))));
    assertEquals(201, r.status(), r.text());
    return r.json();
  }

  static Http as(JsonObject key) {
    return http.as(key.getString("secret"));
  }

  @Test
  void theSecretIsShownOnceAndStoredOnlyAsItsHash() throws Exception {
    JsonObject key = create(a, "CRM", "read", "write");
    String secret = key.getString("secret");
    assertTrue(secret.matches("sbk_[A-Za-z0-9_-]{43}"), secret);
    assertEquals("CRM", key.getString("name"));
    assertEquals(new JsonArray().add("read").add("write"), key.getJsonArray("scopes"));

    byte[] raw = Base64.getUrlDecoder().decode(secret.substring(4));
    String stored = Seed.strings(db, "SELECT encode(secret_hash, 'hex') FROM api_keys WHERE id = ?", Long.parseLong(key.getString("id"))).get(0);
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw)), stored);
    assertEquals(0L, Seed.scalar(db, "SELECT count(*) FROM api_keys WHERE row_to_json(api_keys)::text LIKE ?", "%" + secret.substring(4) + "%"));

    JsonObject listed = find(a.admin().get("/api/v1/api-keys").items(), key.getString("id"));
    assertNull(listed.getValue("secret"));
    assertEquals("CRM", listed.getString("name"));
    assertNotNull(listed.getString("createdAt"));
    assertNull(listed.getValue("lastUsedAt"));

    assertEquals(200, as(key).get("/api/v1/conversations").status());
    Await.until("last use recorded", Duration.ofSeconds(5),
        () -> find(a.admin().get("/api/v1/api-keys").items(), key.getString("id")).getValue("lastUsedAt") != null);
  }

  @Test
  void onlyAnAdminManagesKeysAndBodiesAreChecked() {
    assertEquals(403, a.agent().post("/api/v1/api-keys", new JsonObject().put("name", "x").put("scopes", new JsonArray().add("read"))).status());
    assertEquals(403, a.agent().get("/api/v1/api-keys").status());
    JsonObject all = create(a, "All", "read", "write", "send");
    Http.Res byKey = as(all).post("/api/v1/api-keys", new JsonObject().put("name", "x").put("scopes", new JsonArray().add("read")));
    assertEquals(403, byKey.status());
    assertEquals("insufficient_scope", byKey.errorCode());

    for (JsonObject bad : List.of(
        new JsonObject().put("scopes", new JsonArray().add("read")),
        new JsonObject().put("name", "x").put("scopes", new JsonArray()),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("admin")),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("read").add("read")),
        new JsonObject().put("name", "x").put("scopes", "read"))) {
      Http.Res r = a.admin().post("/api/v1/api-keys", bad);
      assertEquals(400, r.status(), bad.encode() + " answered " + r.text());
    }
    // names are checked as every name of the API is: too long is 422 invalid_name
    Http.Res longName = a.admin().post("/api/v1/api-keys", new JsonObject().put("name", "x".repeat(101)).put("scopes", new JsonArray().add("read")));
    assertEquals(422, longName.status());
    assertEquals("invalid_name", longName.errorCode());
  }

  @Test
  void eachScopeOpensItsRoutesAndNothingElse() {
    String conv = "/api/v1/conversations/" + a.conversation();
    JsonObject read = create(a, "Reader", "read");
    JsonObject write = create(a, "Writer", "write");
    JsonObject send = create(a, "Sender", "send");

    assertEquals(200, as(read).get("/api/v1/conversations").status());
    assertEquals(200, as(read).get(conv + "/messages").status());
    assertScope(as(read).patch(conv, new JsonObject().put("status", "closed")));
    assertScope(as(read).post(conv + "/messages", new JsonObject().put("type", "note").put("text", "hi")));

    assertScope(as(write).get("/api/v1/conversations"));
    assertScope(as(write).post(conv + "/messages", new JsonObject().put("type", "note").put("text", "hi")));
    assertEquals(200, as(write).patch(conv, new JsonObject().put("status", "open")).status());

    assertScope(as(send).get(conv));
    assertScope(as(send).patch(conv, new JsonObject().put("status", "closed")));
    assertEquals(201, as(send).post(conv + "/messages", new JsonObject().put("type", "note").put("text", "from the key")).status());

    // people-only routes stay closed to a key with every scope
    JsonObject all = create(a, "Everything", "read", "write", "send");
    assertScope(as(all).get("/api/v1/flows"));
    assertScope(as(all).post("/api/v1/auth/logout", new JsonObject()));
    assertScope(as(all).post(conv + "/read", new JsonObject()));
    assertScope(as(all).post("/api/v1/agents", new JsonObject().put("name", "n").put("email", "e@x.test").put("password", "p".repeat(12))));
  }

  @Test
  void aKeyIsItsOwnActorInHistoryAndOnMessages() {
    String conv = "/api/v1/conversations/" + a.conversation();
    JsonObject key = create(a, "Order bot", "read", "write", "send");
    String keyId = key.getString("id");
    assertEquals(200, as(key).patch(conv, new JsonObject().put("status", "closed")).status());
    JsonArray history = a.admin().get(conv + "/history").items();
    JsonObject actor = history.getJsonObject(history.size() - 1).getJsonObject("actor");
    assertEquals("api", actor.getString("type"));
    assertEquals(keyId, actor.getString("id"));
    assertEquals("API: Order bot", actor.getString("name"));

    Http.Res reply = as(key).post(conv + "/messages", new JsonObject().put("type", "reply").put("text", "Your order shipped"));
    assertTrue(reply.status() / 100 == 2, reply.text());
    JsonObject last = null;
    for (Object m : a.admin().get(conv + "/messages").items()) {
      JsonObject j = (JsonObject) m;
      if ("Your order shipped".equals(j.getString("text"))) {
        last = j;
      }
    }
    assertNotNull(last);
    assertEquals("api", last.getString("senderType"));
    assertEquals(keyId, last.getString("senderId"));
  }

  @Test
  void aKeySeesOnlyItsAccount() {
    JsonObject key = create(a, "Isolated", "read", "write", "send");
    String other = "/api/v1/conversations/" + b.conversation();
    assertEquals(404, as(key).get(other).status());
    assertEquals(404, as(key).patch(other, new JsonObject().put("status", "closed")).status());
    assertEquals(404, as(key).post(other + "/messages", new JsonObject().put("type", "note").put("text", "x")).status());
    for (Object c : as(key).get("/api/v1/conversations").items()) {
      assertFalse(String.valueOf(b.conversation()).equals(((JsonObject) c).getString("id")));
    }
    // another account's admin neither lists nor revokes the key
    assertTrue(b.admin().get("/api/v1/api-keys").items().stream()
        .noneMatch(k -> key.getString("id").equals(((JsonObject) k).getString("id"))));
    assertEquals(404, b.admin().delete("/api/v1/api-keys/" + key.getString("id")).status());
    assertEquals(200, as(key).get("/api/v1/conversations").status());
  }

  @Test
  void revocationEndsTheKeyAtOnceOnEveryNode() {
    TestNode second = env.anotherNode();
    try (Http other = new Http(env.vertx(), second.baseUrl())) {
      JsonObject key = create(a, "Revoked", "read");
      Http first = as(key);
      Http onSecond = other.as(key.getString("secret"));
      // both nodes have read (and keep) the key
      assertEquals(200, first.get("/api/v1/conversations").status());
      assertEquals(200, onSecond.get("/api/v1/conversations").status());

      assertEquals(204, a.admin().delete("/api/v1/api-keys/" + key.getString("id")).status());
      Http.Res here = first.get("/api/v1/conversations");
      Http.Res there = onSecond.get("/api/v1/conversations");
      assertEquals(401, here.status());
      assertEquals(401, there.status(), there.text());
      assertEquals("Bearer", there.header("WWW-Authenticate"));
      assertTrue(a.admin().get("/api/v1/api-keys").items().stream()
          .noneMatch(k -> key.getString("id").equals(((JsonObject) k).getString("id"))));
      assertEquals(404, a.admin().delete("/api/v1/api-keys/" + key.getString("id")).status());
    }
  }

  @Test
  void everyoneOfTheAccountReadsKeyNamesRevokedOnesToo() {
    JsonObject key = create(a, "Order bot", "send");
    JsonObject gone = create(a, "Old CRM", "read");
    assertEquals(204, a.admin().delete("/api/v1/api-keys/" + gone.getString("id")).status());
    Http.Res r = a.agent().get("/api/v1/api-keys/names");
    assertEquals(200, r.status(), r.text());
    JsonObject shown = find(r.items(), key.getString("id"));
    assertEquals("Order bot", shown.getString("name"));
    assertNull(shown.getValue("secret"));
    assertEquals(Boolean.TRUE, find(r.items(), gone.getString("id")).getBoolean("revoked"));
    assertTrue(b.agent().get("/api/v1/api-keys/names").items().stream()
        .noneMatch(k -> key.getString("id").equals(((JsonObject) k).getString("id"))));
    assertEquals(403, as(key).get("/api/v1/api-keys/names").status());
  }

  @Test
  void unknownAndMalformedKeysAnswer401() {
    String unknown = "sbk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertEquals(401, http.as(unknown).get("/api/v1/conversations").status());
    assertEquals(401, http.as("sbk_short").get("/api/v1/conversations").status());
    assertEquals(401, http.as("sbk_" + "!".repeat(43)).get("/api/v1/conversations").status());
  }

  @Test
  void eachKeyIsRateLimitedOnItsOwn() {
    JsonObject busy = create(a, "Busy", "read");
    JsonObject calm = create(a, "Calm", "read");
    for (int i = 0; i < RATE; i++) {
      assertEquals(200, as(busy).get("/api/v1/labels").status(), "request " + i);
    }
    Http.Res limited = as(busy).get("/api/v1/labels");
    assertEquals(429, limited.status());
    assertEquals("rate_limited", limited.errorCode());
    int retry = Integer.parseInt(limited.header("Retry-After"));
    assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
    assertEquals(200, as(calm).get("/api/v1/labels").status());
  }

  static void assertScope(Http.Res r) {
    assertEquals(403, r.status(), r.text());
    assertEquals("insufficient_scope", r.errorCode());
  }

  static JsonObject find(JsonArray items, String id) {
    for (Object o : items) {
      if (id.equals(((JsonObject) o).getString("id"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no key " + id + " in " + items.encode());
  }
}
