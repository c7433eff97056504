package dev.switchboard.integrations;

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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outgoing webhooks against a real local receiver: signatures, order, retries, disabling, the log, rotation. */
class WebhooksTest {

  static final Duration WAIT = Duration.ofSeconds(15);

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true)
      .put("OUTGOING_WEBHOOK_RETRY_BASE_MS", 100)
      .put("OUTGOING_WEBHOOK_RETRY_HORIZON_MS", 3000)
      .put("OUTGOING_WEBHOOK_TIMEOUT_MS", 1000)
      .put("OUTGOING_WEBHOOK_POLL_MS", 50)).build();

  static TestDb db;
  static Http http;
  static Receiver receiver;
  static Party a;
  static Party b;

  record Party(long accountId, long channel, Http admin) {
  }

  @BeforeAll
  static void start() {
    db = env.db();
    http = env.http();
    receiver = env.open(new Receiver(env.vertx()));
    Tokens tokens = new Tokens(env.node().vertx, TestNode.JWT_SECRET);
    a = party("Alpha", tokens);
    b = party("Beta", tokens);
  }

  static Party party(String name, Tokens tokens) {
    Seed.Account acc = Seed.account(db, name);
    long channel = Seed.channel(db, acc.accountId(), "whatsapp", "wa-" + UUID.randomUUID().toString().substring(0, 6));
    return new Party(acc.accountId(), channel, http.as(tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin " + name)));
  }

  static long conversation(Party p) {
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) "
        + "VALUES (?, ?, ?, 'Customer') RETURNING id", p.accountId(), p.channel(), UUID.randomUUID().toString());
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status, last_message_at) "
        + "VALUES (?, ?, ?, 'closed', now()) RETURNING id", p.accountId(), p.channel(), contact);
  }

  static JsonObject register(Party p, String path, String... events) {
    Http.Res r = p.admin().post("/api/v1/webhook-endpoints", new JsonObject().put("url", receiver.url(path))
        .put("events", new JsonArray(List.of(events))).put("description", "test " + path));
    assertEquals(201, r.status(), r.text());
    return r.json();
  }

  /** Alternates the conversation's status n times: n conversation.updated events, in this order. */
  static List<String> flip(Party p, long conversation, int n) {
    List<String> statuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String status = i % 2 == 0 ? "open" : "closed";
      Http.Res r = p.admin().patch("/api/v1/conversations/" + conversation, new JsonObject().put("status", status));
      assertEquals(200, r.status(), r.text());
      statuses.add(status);
    }
    return statuses;
  }

  static JsonObject disabledEvent(String endpointId) {
    for (Object o : a.admin().get("/api/v1/events?limit=200").items()) {
      JsonObject ev = (JsonObject) o;
      if ("webhook_endpoint.disabled".equals(ev.getString("type")) && endpointId.equals(ev.getJsonObject("data").getString("id"))) {
        return ev;
      }
    }
    return null;
  }

  static JsonObject endpoint(Party p, JsonObject e) {
    return p.admin().get("/api/v1/webhook-endpoints/" + e.getString("id")).json();
  }

  @Test
  void eventsArriveSignedAndInOrder() {
    JsonObject e = register(a, "/ordered", "conversation.updated");
    String secret = e.getString("secret");
    assertTrue(secret.startsWith("whsec_"), secret);
    assertNull(a.admin().get("/api/v1/webhook-endpoints").items().getJsonObject(0).getValue("secret"));
    long conv = conversation(a);
    List<String> statuses = flip(a, conv, 6);

    Await.until("six deliveries", WAIT, () -> receiver.distinctIds("/ordered").size() >= 6);
    List<Receiver.Hit> hits = receiver.at("/ordered");
    long previous = -1;
    List<String> seen = new ArrayList<>();
    for (Receiver.Hit h : hits) {
      assertTrue(Receiver.verifies(h, secret), "signature of " + h.body());
      assertFalse(Receiver.verifies(h, secret + "x"));
      assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(h.timestamp())) < 300);
      JsonObject body = h.json();
      assertEquals(h.eventId(), body.getString("id"));
      assertEquals(String.valueOf(a.accountId()), body.getString("accountId"));
      assertNotNull(body.getString("createdAt"));
      assertEquals("conversation.updated", body.getString("type"));
      long id = Long.parseLong(body.getString("id"));
      assertTrue(id > previous, "ids increase: " + id + " after " + previous);
      previous = id;
      seen.add(body.getJsonObject("data").getString("status"));
    }
    assertEquals(statuses, seen);
    // every attempt is in the log (written once the answer is in)
    String deliveries = "/api/v1/webhook-endpoints/" + e.getString("id") + "/deliveries";
    Await.until("six log rows", WAIT, () -> a.admin().get(deliveries).items().size() == 6);
    JsonArray log = a.admin().get(deliveries).items();
    assertTrue(log.getJsonObject(0).getBoolean("ok"));
    assertEquals(200, log.getJsonObject(0).getInteger("statusCode"));
    assertEquals("answer 6", log.getJsonObject(0).getString("response"));
  }

  /** The account's settings.changed events after {@code after}, as "id:deleted" of section integrations. */
  static List<String> integrationChanges(Party p, String after) {
    List<String> out = new ArrayList<>();
    for (Object o : p.admin().get("/api/v1/events?after=" + after).items()) {
      JsonObject ev = (JsonObject) o;
      JsonObject data = ev.getJsonObject("data");
      if ("settings.changed".equals(ev.getString("type")) && "integrations".equals(data.getString("section"))) {
        out.add(data.getString("id") + ":" + data.getBoolean("deleted"));
      }
    }
    return out;
  }

  @Test
  @DisplayName("every change of an endpoint or an API key is a settings.changed (section integrations) in its transaction, so other admins' open pages follow; refused ones and other accounts' are not")
  void integrationChangesAreSettingsEvents() {
    String afterA = env.node().node.services().events().newestId(a.accountId()).await();
    String afterB = env.node().node.services().events().newestId(b.accountId()).await();
    String id = register(a, "/settings-watched", "message.created").getString("id");
    String path = "/api/v1/webhook-endpoints/" + id;
    assertEquals(200, a.admin().patch(path, new JsonObject().put("enabled", false)).status());
    assertEquals(200, a.admin().patch(path, new JsonObject().put("enabled", true)).status());
    assertEquals(200, a.admin().patch(path, new JsonObject().put("enabled", true)).status(), "already enabled: no change, no event");
    assertEquals(200, a.admin().post(path + "/rotate-secret", new JsonObject()).status());
    assertEquals(404, b.admin().post(path + "/rotate-secret", new JsonObject()).status());
    assertEquals(422, a.admin().post("/api/v1/webhook-endpoints", new JsonObject().put("url", "ftp://example.com/x")
        .put("events", new JsonArray().add("*"))).status());
    assertEquals(204, a.admin().delete(path).status());
    Http.Res key = a.admin().post("/api/v1/api-keys", new JsonObject().put("name", "CRM").put("scopes", new JsonArray().add("read")));
    assertEquals(201, key.status(), key.text());
    String keyId = key.json().getString("id");
    assertEquals(204, a.admin().delete("/api/v1/api-keys/" + keyId).status());
    // a revocation answers once the key is refused everywhere, without waiting for its event's relay
    Await.passes(WAIT, () -> assertEquals(List.of(id + ":false", id + ":false", id + ":false", id + ":false", id + ":true",
        keyId + ":false", keyId + ":true"), integrationChanges(a, afterA)));
    assertEquals(List.of(), integrationChanges(b, afterB));
  }

  @Test
  void anEndpointGetsOnlyItsAccountAndItsTypes() {
    register(a, "/messages-only", "message.created");
    JsonObject bAll = register(b, "/beta-all", "*");
    long conv = conversation(a);
    flip(a, conv, 2);
    Http.Res note = a.admin().post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "hello"));
    assertEquals(201, note.status(), note.text());
    Await.until("the note's event", WAIT, () -> !receiver.at("/messages-only").isEmpty());
    // the account's later change proves the endpoint read past what it skipped
    long bConv = conversation(b);
    flip(b, bConv, 1);
    Await.until("beta's event", WAIT, () -> !receiver.at("/beta-all").isEmpty());
    for (Receiver.Hit h : receiver.at("/messages-only")) {
      assertEquals("message.created", h.json().getString("type"));
      assertEquals("hello", h.json().getJsonObject("data").getString("text"));
    }
    assertEquals(1, receiver.distinctIds("/messages-only").size());
    for (Receiver.Hit h : receiver.at("/beta-all")) {
      assertEquals(String.valueOf(b.accountId()), h.json().getString("accountId"));
    }
    // another account's endpoint is not found, not listed
    assertEquals(404, a.admin().get("/api/v1/webhook-endpoints/" + bAll.getString("id")).status());
    assertEquals(404, a.admin().delete("/api/v1/webhook-endpoints/" + bAll.getString("id")).status());
    assertEquals(404, a.admin().get("/api/v1/webhook-endpoints/" + bAll.getString("id") + "/deliveries").status());
  }

  @Test
  void failuresAreRetriedAndTheNextEventWaitsItsTurn() {
    // two 500s, then a request left unanswered past the timeout, then success
    receiver.rule("/flaky", n -> n <= 2 ? 500 : n == 3 ? 0 : 200);
    JsonObject e = register(a, "/flaky", "conversation.updated");
    long conv = conversation(a);
    flip(a, conv, 2);
    String deliveries = "/api/v1/webhook-endpoints/" + e.getString("id") + "/deliveries";
    Await.until("both events logged", WAIT, () -> a.admin().get(deliveries).items().size() >= 5);
    List<Receiver.Hit> hits = receiver.at("/flaky");
    String first = hits.get(0).eventId();
    for (int i = 0; i < 4; i++) {
      assertEquals(first, hits.get(i).eventId(), "attempt " + (i + 1) + " is the first event again");
    }
    assertTrue(Long.parseLong(hits.get(4).eventId()) > Long.parseLong(first));
    JsonArray log = a.admin().get(deliveries).items();
    // newest first: the second event, then the first's success, timeout and two 500s
    assertEquals(5, log.size(), log.encode());
    assertTrue(log.getJsonObject(1).getBoolean("ok"));
    assertEquals(4, log.getJsonObject(1).getInteger("attempt"));
    assertFalse(log.getJsonObject(2).getBoolean("ok"));
    assertNull(log.getJsonObject(2).getValue("statusCode"));
    assertTrue(log.getJsonObject(2).getString("error").contains("no answer"), log.getJsonObject(2).encode());
    assertEquals(500, log.getJsonObject(3).getInteger("statusCode"));
    assertEquals(500, log.getJsonObject(4).getInteger("statusCode"));
    assertEquals("enabled", endpoint(a, e).getString("status"));
  }

  @Test
  void anEndpointFailingPastTheHorizonIsDisabledAndCanBeEnabledAgain() {
    receiver.rule("/dead", n -> 503);
    receiver.rule("/alive", n -> 200);
    JsonObject dead = register(a, "/dead", "*");
    register(a, "/alive", "*");
    long conv = conversation(a);
    flip(a, conv, 1);
    // a dead endpoint does not hold up a live one
    Await.until("the live endpoint's delivery", WAIT, () -> !receiver.at("/alive").isEmpty());
    Await.until("disabled", WAIT, () -> "disabled".equals(endpoint(a, dead).getString("status")));
    JsonObject view = endpoint(a, dead);
    assertTrue(view.getString("disabledReason").contains("HTTP 503"), view.encode());
    // the admins are told through the account's live log (the relay appends it just after the commit)
    JsonObject told = Await.value("a webhook_endpoint.disabled event", WAIT, () -> disabledEvent(dead.getString("id")));
    assertEquals(view.getString("disabledReason"), told.getJsonObject("data").getString("reason"));
    int attempts = receiver.at("/dead").size();
    assertTrue(attempts >= 3, "retried before giving up: " + attempts);
    assertEquals(200, a.admin().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "closed")).status());
    Await.until("the live endpoint's second delivery", WAIT, () -> receiver.distinctIds("/alive").size() >= 2);
    assertEquals(attempts, receiver.at("/dead").size(), "a disabled endpoint is not called");

    receiver.rule("/dead", n -> 200);
    Http.Res enabled = a.admin().patch("/api/v1/webhook-endpoints/" + dead.getString("id"), new JsonObject().put("enabled", true));
    assertEquals(200, enabled.status(), enabled.text());
    assertEquals("enabled", enabled.json().getString("status"));
    flip(a, conv, 1);  // closed -> open
    Await.until("delivered again", WAIT, () -> receiver.at("/dead").size() > attempts);
  }

  @Test
  void aHangingEndpointHoldsOnlyItsOwnQueue() {
    receiver.rule("/hang", n -> 0);
    register(a, "/hang", "conversation.updated");
    register(a, "/quick", "conversation.updated");
    long conv = conversation(a);
    flip(a, conv, 3);
    Await.until("the quick endpoint's three events", WAIT, () -> receiver.distinctIds("/quick").size() == 3);
    // meanwhile the hanging one is still on its first event: nothing overtakes it
    assertEquals(1, receiver.distinctIds("/hang").size(), receiver.at("/hang").toString());
    assertEquals(receiver.distinctIds("/quick").get(0), receiver.distinctIds("/hang").get(0));
  }

  @Test
  void duringARotationBothSecretsSign() {
    JsonObject e = register(a, "/rotating", "conversation.updated");
    String old = e.getString("secret");
    Http.Res rotated = a.admin().post("/api/v1/webhook-endpoints/" + e.getString("id") + "/rotate-secret", new JsonObject());
    assertEquals(200, rotated.status(), rotated.text());
    String fresh = rotated.json().getString("secret");
    assertFalse(fresh.equals(old));
    flip(a, conversation(a), 1);
    Await.until("delivery", WAIT, () -> !receiver.at("/rotating").isEmpty());
    Receiver.Hit h = receiver.at("/rotating").get(0);
    assertEquals(2, h.signature().split(",").length, h.signature());
    assertTrue(Receiver.verifies(h, fresh));
    assertTrue(Receiver.verifies(h, old));
  }

  @Test
  void theDeliveryLogPagesByBeforeAndAnswers400ToAMalformedOne() {
    JsonObject e = register(a, "/pages", "conversation.updated");
    flip(a, conversation(a), 3);
    String deliveries = "/api/v1/webhook-endpoints/" + e.getString("id") + "/deliveries";
    Await.until("three log rows", WAIT, () -> a.admin().get(deliveries).items().size() == 3);
    JsonArray all = a.admin().get(deliveries).items();
    Http.Res older = a.admin().get(deliveries + "?before=" + all.getJsonObject(0).getString("id"));
    assertEquals(200, older.status(), older.text());
    assertEquals(all.getJsonObject(1).getString("id"), older.items().getJsonObject(0).getString("id"));
    assertEquals(2, older.items().size());
    // as GET /conversations/{id}/messages answers: not an id is the caller's mistake, not a missing delivery
    for (String bad : new String[] {"abc", "-1", "0", "%D9%A1", "99999999999999999999", "1.5"}) {
      Http.Res r = a.admin().get(deliveries + "?before=" + bad);
      assertEquals(400, r.status(), bad + ": " + r.text());
      assertEquals("invalid_field", r.json().getJsonObject("error").getString("code"), bad);
      assertTrue(r.json().getJsonObject("error").getString("message").contains("before"), r.text());
    }
    // a well-formed id that names no delivery is an empty page
    assertEquals(0, a.admin().get(deliveries + "?before=1").items().size());
  }

  @Test
  void anAdminResendsAnEventFromTheLog() {
    JsonObject e = register(a, "/resend", "conversation.updated");
    flip(a, conversation(a), 1);
    String deliveries = "/api/v1/webhook-endpoints/" + e.getString("id") + "/deliveries";
    Await.until("logged", WAIT, () -> a.admin().get(deliveries).items().size() == 1);
    JsonObject first = a.admin().get(deliveries).items().getJsonObject(0);
    String resend = deliveries + "/" + first.getString("id") + "/resend";

    // not another account's, nor through another endpoint
    assertEquals(404, b.admin().post(resend, new JsonObject()).status());
    Http.Res r = a.admin().post(resend, new JsonObject());
    assertEquals(200, r.status(), r.text());
    assertTrue(r.json().getBoolean("ok"));
    assertEquals(2, r.json().getInteger("attempt"));
    assertEquals(first.getString("eventId"), r.json().getString("eventId"));

    List<Receiver.Hit> hits = receiver.at("/resend");
    assertEquals(2, hits.size());
    assertEquals(hits.get(0).eventId(), hits.get(1).eventId());
    assertEquals(hits.get(0).body(), hits.get(1).body());
    assertTrue(Receiver.verifies(hits.get(1), e.getString("secret")));
    assertEquals(2, a.admin().get(deliveries).items().size());

    // an event the outbox no longer keeps cannot be sent again
    Seed.exec(db, "DELETE FROM event_outbox WHERE pos = ?", Long.parseLong(first.getString("eventId")));
    Http.Res gone = a.admin().post(resend, new JsonObject());
    assertEquals(410, gone.status(), gone.text());
    assertEquals("event_gone", gone.errorCode());
  }

  @Test
  void registrationsAreChecked() {
    for (JsonObject bad : List.of(
        new JsonObject().put("url", "ftp://example.com/x").put("events", new JsonArray().add("*")),
        new JsonObject().put("url", "https://user:pw@example.com/x").put("events", new JsonArray().add("*")),
        new JsonObject().put("url", "not a url").put("events", new JsonArray().add("*")))) {
      Http.Res r = a.admin().post("/api/v1/webhook-endpoints", bad);
      assertEquals(422, r.status(), bad.encode() + ": " + r.text());
      assertEquals("invalid_url", r.errorCode());
    }
    for (JsonArray events : List.of(new JsonArray(), new JsonArray().add("nope"), new JsonArray().add("*").add("message.created"))) {
      Http.Res r = a.admin().post("/api/v1/webhook-endpoints", new JsonObject().put("url", receiver.url("/x")).put("events", events));
      assertEquals(400, r.status(), events.encode() + ": " + r.text());
    }
    Tokens tokens = new Tokens(env.node().vertx, TestNode.JWT_SECRET);
    long agent = Seed.user(db, a.accountId(), "Agent", "agent+" + UUID.randomUUID().toString().substring(0, 6) + "@x.test", "pw-123456789", "agent");
    Http asAgent = http.as(tokens.issue(agent, a.accountId(), "agent", "Agent"));
    assertEquals(403, asAgent.post("/api/v1/webhook-endpoints", new JsonObject().put("url", receiver.url("/x")).put("events", new JsonArray().add("*"))).status());
    assertEquals(403, asAgent.get("/api/v1/webhook-endpoints").status());
  }

  @Test
  void aTestEventIsSignedLoggedAndResendable() {
    receiver.rule("/tested", n -> n == 1 ? 503 : 200);
    JsonObject e = register(a, "/tested", "message.created");
    String path = "/api/v1/webhook-endpoints/" + e.getString("id");
    Http.Res first = a.admin().post(path + "/test", new JsonObject());
    assertEquals(200, first.status(), first.text());
    assertFalse(first.json().getBoolean("ok"));
    assertEquals(503, first.json().getInteger("statusCode"));
    assertEquals("answer 1", first.json().getString("response"));
    Receiver.Hit hit = receiver.at("/tested").get(0);
    assertTrue(Receiver.verifies(hit, e.getString("secret")));
    assertEquals("webhook.test", hit.json().getString("type"));
    assertEquals(String.valueOf(a.accountId()), hit.json().getString("accountId"));
    assertTrue(hit.eventId().startsWith("test_"), hit.eventId());
    assertEquals(hit.eventId(), hit.json().getString("id"));

    JsonObject logged = a.admin().get(path + "/deliveries").items().getJsonObject(0);
    assertEquals(hit.eventId(), logged.getString("eventId"));
    assertEquals("webhook.test", logged.getString("eventType"));
    Http.Res again = a.admin().post(path + "/deliveries/" + logged.getString("id") + "/resend", new JsonObject());
    assertEquals(200, again.status(), again.text());
    assertTrue(again.json().getBoolean("ok"));
    assertEquals(2, again.json().getInteger("attempt"));
    assertEquals(hit.eventId(), receiver.at("/tested").get(1).eventId());
    // a test is never queued: nothing else arrives, and the endpoint is not failing
    assertEquals("enabled", endpoint(a, e).getString("status"));
    assertEquals(404, b.admin().post(path + "/test", new JsonObject()).status());
    assertEquals(2, receiver.at("/tested").size());
  }

  @Test
  void anAdminDisablesAnEndpointAndItSendsNothingUntilEnabled() {
    JsonObject e = register(a, "/paused", "conversation.updated");
    String path = "/api/v1/webhook-endpoints/" + e.getString("id");
    long conv = conversation(a);
    Http.Res off = a.admin().patch(path, new JsonObject().put("enabled", false));
    assertEquals(200, off.status(), off.text());
    assertEquals("disabled", off.json().getString("status"));
    assertEquals("disabled by Admin Alpha", off.json().getString("disabledReason"));
    assertEquals(404, b.admin().patch(path, new JsonObject().put("enabled", false)).status());
    JsonObject witness = register(a, "/paused-witness", "conversation.updated");
    status(conv, "open");
    Await.until("the witness gets the event", WAIT, () -> receiver.at("/paused-witness").size() >= 1);
    assertTrue(receiver.at("/paused").isEmpty());
    assertEquals(200, a.admin().patch(path, new JsonObject().put("enabled", true)).status());
    status(conv, "closed");
    Await.until("the enabled endpoint gets the next event", WAIT, () -> receiver.at("/paused").size() >= 1);
    assertEquals(1, receiver.distinctIds("/paused").size(), "the events of while it was off are not sent");
    assertEquals(400, a.admin().patch(path, new JsonObject().put("description", "x")).status());
    assertNotNull(witness.getString("id"));
  }

  static void status(long conversation, String status) {
    assertEquals(200, a.admin().patch("/api/v1/conversations/" + conversation, new JsonObject().put("status", status)).status());
  }

  @Test
  void conversationsGoSideBySideEachInItsOwnOrder() {
    receiver.delay("/lanes", 200);
    JsonObject e = register(a, "/lanes", "conversation.updated");
    List<Long> convs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      convs.add(conversation(a));
    }
    // the first event of the first conversation is refused twice: its later events wait, the others do not
    String firstConv = String.valueOf(convs.get(0));
    java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    receiver.refuse("/lanes", h -> firstConv.equals(h.json().getString("conversationId")) && refused.get() < 2
        && refused.incrementAndGet() <= 2);
    java.util.Map<String, List<String>> sent = new java.util.HashMap<>();
    for (int round = 0; round < 3; round++) {
      for (long c : convs) {
        String status = round % 2 == 0 ? "open" : "closed";
        assertEquals(200, a.admin().patch("/api/v1/conversations/" + c, new JsonObject().put("status", status)).status());
        sent.computeIfAbsent(String.valueOf(c), k -> new ArrayList<>()).add(status);
      }
    }
    Await.until("18 events", Duration.ofSeconds(30), () -> receiver.distinctIds("/lanes").size() >= 18);
    assertTrue(receiver.maxInFlight.get("/lanes") >= 2, "several deliveries in flight: " + receiver.maxInFlight.get("/lanes"));
    assertTrue(receiver.maxInFlight.get("/lanes") <= 8, "at most OUTGOING_WEBHOOK_CONCURRENCY: " + receiver.maxInFlight.get("/lanes"));
    assertEquals(2, refused.get());
    for (long c : convs) {
      String conv = String.valueOf(c);
      // each conversation's events, as first received after its last refusal, are its changes in order
      List<String> ids = new ArrayList<>();
      List<String> statuses = new ArrayList<>();
      for (Receiver.Hit h : receiver.at("/lanes")) {
        if (conv.equals(h.json().getString("conversationId")) && !ids.contains(h.eventId())) {
          ids.add(h.eventId());
          statuses.add(h.json().getJsonObject("data").getString("status"));
        }
      }
      assertEquals(sent.get(conv), statuses, "conversation " + conv);
      for (int i = 1; i < ids.size(); i++) {
        assertTrue(Long.parseLong(ids.get(i)) > Long.parseLong(ids.get(i - 1)), ids.toString());
      }
    }
    // nothing of the refused conversation overtook its refused first event
    List<Receiver.Hit> firsts = receiver.at("/lanes").stream().filter(h -> firstConv.equals(h.json().getString("conversationId"))).toList();
    assertEquals(firsts.get(0).eventId(), firsts.get(1).eventId());
    assertEquals(firsts.get(0).eventId(), firsts.get(2).eventId());
    assertNotNull(e.getString("id"));
  }
}
