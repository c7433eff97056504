package dev.switchboard.outbound;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Rows and waits shared by the sending tests. */
final class SendSupport {

  private static final AtomicLong IDS = new AtomicLong(1000);

  private SendSupport() {
  }

  /** A contact and its conversation; {@code lastInbound} null means the customer never wrote. */
  static long conversation(TestDb db, long accountId, long channelId, String platformUserId, Instant lastInbound) {
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) VALUES (?, ?, ?, ?) RETURNING id",
        accountId, channelId, platformUserId, "Customer " + platformUserId);
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, last_inbound_at) VALUES (?, ?, ?, ?::timestamptz) RETURNING id",
        accountId, channelId, contact, lastInbound == null ? null : OffsetDateTime.ofInstant(lastInbound, ZoneOffset.UTC));
  }

  static String uniqueUser() {
    return String.valueOf(14155550000L + IDS.incrementAndGet());
  }

  static void field(TestDb db, long accountId, long conversationId, String name, String value) {
    Seed.insert(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) SELECT contact_id, ?, ?, ? FROM conversations WHERE id = ? RETURNING 1",
        accountId, name, value, conversationId);
  }

  static String token(Http http, Seed.Account account) {
    return http.login(account.adminEmail(), account.password());
  }

  /** Answers Graph sends with fresh ids, like Meta: wamid.* for WhatsApp, m_* / aWdf* for Messenger / Instagram. */
  static void defaultAnswers(FakeGraph graph) {
    AtomicLong n = new AtomicLong();
    graph.respond("POST", "/me/messages", c -> FakeGraph.Answer.json(200, new JsonObject()
        .put("recipient_id", c.json().getJsonObject("recipient").getString("id"))
        .put("message_id", "m_auto_" + n.incrementAndGet() + "_" + System.nanoTime())));
    graph.respond("POST", "/", c -> FakeGraph.Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("id", "wamid.auto" + n.incrementAndGet() + "_" + System.nanoTime())))));
  }

  /** One row of messages by id, as column -> value. */
  static JsonObject row(TestDb db, long messageId) {
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT id, type, status, external_id, error_code, error_message, sender_type, messaging_tag, attempts, text FROM messages WHERE id = ?")) {
      ps.setLong(1, messageId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        JsonObject o = new JsonObject();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          o.put(rs.getMetaData().getColumnName(i), rs.getObject(i) == null ? null : rs.getObject(i).toString());
        }
        return o;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static String status(TestDb db, long messageId) {
    JsonObject r = row(db, messageId);
    return r == null ? null : r.getString("status");
  }

  /** Polls until the condition holds (or fails after the deadline). */
  static void eventually(long timeoutMs, Supplier<Boolean> condition, Supplier<String> describe) {
    try {
      Await.until("condition", Duration.ofMillis(timeoutMs), () -> Boolean.TRUE.equals(condition.get()));
    } catch (AssertionError e) {
      throw new AssertionError("timed out: " + describe.get());
    }
  }

  static void awaitStatus(TestDb db, long messageId, String status) {
    eventually(10_000, () -> status.equals(status(db, messageId)), () -> "message " + messageId + " is " + row(db, messageId));
  }

  static List<JsonObject> events(TestNode node, long accountId, String type, long conversationId) {
    return node.node.services().events().read(accountId, null, 10_000).await().stream()
        .filter(e -> type.equals(e.getString("type")) && String.valueOf(conversationId).equals(e.getString("conversationId")))
        .toList();
  }
}
