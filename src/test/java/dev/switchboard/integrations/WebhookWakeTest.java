package dev.switchboard.integrations;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deliveries start when the relay positions events and retries when they come due, not at the
 * poll: the poll here is an hour, so the node never polls during these tests.
 */
class WebhookWakeTest {

  static final Duration WAIT = Duration.ofSeconds(15);

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true)
      .put("OUTGOING_WEBHOOK_RETRY_BASE_MS", 100)
      .put("OUTGOING_WEBHOOK_TIMEOUT_MS", 1000)
      .put("OUTGOING_WEBHOOK_POLL_MS", 3_600_000)).build();

  static Receiver receiver;
  static Http admin;
  static long accountId;
  static long channel;

  @BeforeAll
  static void start() {
    receiver = env.open(new Receiver(env.vertx()));
    Seed.Account acc = Seed.account(env.db(), "Wake");
    accountId = acc.accountId();
    channel = Seed.channel(env.db(), accountId, "whatsapp", "wa-" + UUID.randomUUID().toString().substring(0, 6));
    admin = env.http().as(new Tokens(env.node().vertx, TestNode.JWT_SECRET).issue(acc.adminId(), accountId, "admin", "Admin"));
  }

  static JsonObject register(String url) {
    Http.Res r = admin.post("/api/v1/webhook-endpoints", new JsonObject().put("url", url).put("events", new JsonArray().add("*")));
    assertEquals(201, r.status(), r.text());
    return r.json();
  }

  static long conversation() {
    long contact = Seed.insert(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) "
        + "VALUES (?, ?, ?, 'Customer') RETURNING id", accountId, channel, UUID.randomUUID().toString());
    return Seed.insert(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id, status, last_message_at) "
        + "VALUES (?, ?, ?, 'closed', now()) RETURNING id", accountId, channel, contact);
  }

  static void flip(long conversation, int n) {
    for (int i = 0; i < n; i++) {
      Http.Res r = admin.patch("/api/v1/conversations/" + conversation, new JsonObject().put("status", i % 2 == 0 ? "open" : "closed"));
      assertEquals(200, r.status(), r.text());
    }
  }

  @Test
  void deliveryStartsWhenTheRelayPositionsTheEvent() {
    register(receiver.url("/woken"));
    flip(conversation(), 2);
    Await.until("both events delivered", WAIT, () -> receiver.distinctIds("/woken").size() == 2);
  }

  @Test
  void aRetryIsTakenWhenItComesDue() {
    receiver.rule("/retried", n -> n == 1 ? 500 : 200);
    JsonObject e = register(receiver.url("/retried"));
    flip(conversation(), 1);
    Await.until("the event refused, then delivered", WAIT, () -> receiver.at("/retried").size() == 2);
    assertEquals(1, receiver.distinctIds("/retried").size());
    String deliveries = "/api/v1/webhook-endpoints/" + e.getString("id") + "/deliveries";
    Await.until("both attempts logged", WAIT, () -> admin.get(deliveries).items().size() == 2);
    JsonArray log = admin.get(deliveries).items();
    assertTrue(log.getJsonObject(0).getBoolean("ok"));
    assertEquals(2, log.getJsonObject(0).getInteger("attempt"));
    assertEquals(500, log.getJsonObject(1).getInteger("statusCode"));
  }

  @Test
  void anEndpointRefusingConnectionsHoldsOnlyItsOwnQueue() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    JsonObject refusing = register("http://127.0.0.1:" + closed + "/nobody");
    register(receiver.url("/beside"));
    flip(conversation(), 3);
    Await.until("the live endpoint's three events", WAIT, () -> receiver.distinctIds("/beside").size() == 3);
    String deliveries = "/api/v1/webhook-endpoints/" + refusing.getString("id") + "/deliveries";
    Await.until("the refused attempts logged", WAIT, () -> !admin.get(deliveries).items().isEmpty());
    JsonObject attempt = admin.get(deliveries).items().getJsonObject(0);
    assertFalse(attempt.getBoolean("ok"));
    assertNull(attempt.getValue("statusCode"));
    assertTrue(attempt.getString("error").toLowerCase().contains("refused"), attempt.encode());
  }
}
