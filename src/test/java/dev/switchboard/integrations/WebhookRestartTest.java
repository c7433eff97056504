package dev.switchboard.integrations;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node killed while deliveries are pending loses none: the next node delivers every event, in order. */
class WebhookRestartTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().settings(new JsonObject()
      .put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true)
      .put("OUTGOING_WEBHOOK_RETRY_BASE_MS", 100)
      .put("OUTGOING_WEBHOOK_TIMEOUT_MS", 5_000)
      .put("OUTGOING_WEBHOOK_LEASE_MS", 1000)
      .put("OUTGOING_WEBHOOK_POLL_MS", 50)).build();

  @Test
  void eventsPendingWhenTheNodeDiesAreDeliveredAfterTheRestart() {
    JsonObject settings = new JsonObject()
        .put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true).put("OUTGOING_WEBHOOK_RETRY_BASE_MS", 100)
        // the hanging first request must outlast the rest of the setup on a slow machine (a timeout
        // would retry it, and deliver the others, before the crash); the lease is then 10 s
        .put("OUTGOING_WEBHOOK_TIMEOUT_MS", 5_000).put("OUTGOING_WEBHOOK_LEASE_MS", 1000).put("OUTGOING_WEBHOOK_POLL_MS", 50);
    Receiver receiver = env.open(new Receiver(env.vertx()));
    // the first request hangs: the node dies while it waits for the answer
    receiver.rule("/crm", n -> n == 1 ? 0 : 200);
    Seed.Account acc = Seed.account(env.db(), "Restart");
    long channel = Seed.channel(env.db(), acc.accountId(), "whatsapp", "wa-" + UUID.randomUUID().toString().substring(0, 6));
    long contact = Seed.insert(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) "
        + "VALUES (?, ?, ?, 'Customer') RETURNING id", acc.accountId(), channel, UUID.randomUUID().toString());
    long conv = Seed.insert(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id, status, last_message_at) "
        + "VALUES (?, ?, ?, 'closed', now()) RETURNING id", acc.accountId(), channel, contact);

    TestNode first = TestNode.start(env.db(), env.redisPrefix(), settings);
    Tokens tokens = new Tokens(first.vertx, TestNode.JWT_SECRET);
    String token = tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin");
    List<String> statuses = new ArrayList<>();
    try (Http http = new Http(env.vertx(), first.baseUrl())) {
      Http admin = http.as(token);
      Http.Res created = admin.post("/api/v1/webhook-endpoints", new JsonObject().put("url", receiver.url("/crm"))
          .put("events", new JsonArray().add("conversation.updated")));
      assertEquals(201, created.status(), created.text());
      for (int i = 0; i < 5; i++) {
        String status = i % 2 == 0 ? "open" : "closed";
        assertEquals(200, admin.patch("/api/v1/conversations/" + conv, new JsonObject().put("status", status)).status());
        statuses.add(status);
      }
      Await.until("the first delivery is in flight", Duration.ofSeconds(10), () -> !receiver.at("/crm").isEmpty());
    } finally {
      first.kill();
    }
    assertEquals(1, receiver.at("/crm").size(), "nothing more was delivered before the crash");

    TestNode second = env.open(TestNode.start(env.db(), env.redisPrefix(), settings));
    assertTrue(second.port() > 0);
    // after the dead node's lease (two timeouts) runs out
    Await.until("all five events", Duration.ofSeconds(45), () -> receiver.distinctIds("/crm").size() == 5);
    // at least once: the event in flight at the crash comes again; a receiver dedupes by Switchboard-Event-Id
    List<String> ids = receiver.distinctIds("/crm");
    assertEquals(ids.get(0), receiver.at("/crm").get(1).eventId());
    List<String> seen = new ArrayList<>();
    long previous = -1;
    for (String id : ids) {
      assertTrue(Long.parseLong(id) > previous);
      previous = Long.parseLong(id);
      for (Receiver.Hit h : receiver.at("/crm")) {
        if (h.eventId().equals(id)) {
          seen.add(h.json().getJsonObject("data").getString("status"));
          break;
        }
      }
    }
    assertEquals(statuses, seen);
  }
}
