package dev.switchboard.inbox;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A real node on a fresh database with two accounts (A and B), each with an admin, an agent and a
 * WhatsApp, Messenger and Instagram channel. Conversations and messages are seeded straight into
 * PostgreSQL (the webhook processor is another part).
 */
abstract class InboxTestBase {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      // a label on 2+ contacts counts as common here, so tests take both list query shapes
      .put("LABEL_PROBE_MAX", 2).put("EXPORT_FETCH", 100).put("COUNT_CAP", 50)
      // where a channel's answer tells the admin to point Meta's webhooks
      .put("PUBLIC_URL", "https://inbox.example.test")).build();

  static TestDb db;
  static TestNode node;
  static FakeGraph graph;
  static Http http;
  static Tokens tokens;
  static io.vertx.core.Vertx graphVertx;

  static Party a;
  static Party b;

  /** One account as the tests use it. */
  record Party(long accountId, long adminId, long agentId, long whatsapp, long messenger, long instagram,
               Http admin, Http agent) {
  }

  @BeforeAll
  static void startNode() {
    db = env.db();
    graphVertx = env.vertx();
    graph = env.graph();
    node = env.node();
    http = env.http();
    tokens = new Tokens(node.vertx, TestNode.JWT_SECRET);
    a = party("Alpha");
    b = party("Beta");
  }

  static Party party(String name) {
    Seed.Account acc = Seed.account(db, name);
    long agent = Seed.user(db, acc.accountId(), "Agent " + name, "agent+" + UUID.randomUUID().toString().substring(0, 6) + "@" + name.toLowerCase() + ".test", "agent-password", "agent");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    long wa = Seed.channel(db, acc.accountId(), "whatsapp", "wa-" + suffix);
    long fb = Seed.channel(db, acc.accountId(), "messenger", "fb-" + suffix);
    long ig = Seed.channel(db, acc.accountId(), "instagram", "ig-" + suffix);
    return new Party(acc.accountId(), acc.adminId(), agent, wa, fb, ig,
        http.as(tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin " + name)),
        http.as(tokens.issue(agent, acc.accountId(), "agent", "Agent " + name)));
  }

  static long contact(long accountId, long channelId, String platformUserId, String displayName, String platformName, String phone) {
    return Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name, platform_name, phone) "
        + "VALUES (?, ?, ?, ?::text, ?::text, ?::text) RETURNING id", accountId, channelId, platformUserId, displayName, platformName, phone);
  }

  static long conversation(long accountId, long channelId, long contactId, String status, String assigneeType, Long assigneeId, Instant lastMessageAt) {
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status, assignee_type, assignee_id, last_message_at, unread_count) "
            + "VALUES (?, ?, ?, ?, ?::text, ?::bigint, ?, 2) RETURNING id",
        accountId, channelId, contactId, status, assigneeType, assigneeId, OffsetDateTime.ofInstant(lastMessageAt, ZoneOffset.UTC));
  }

  /** A contact and its conversation in one go. */
  static long thread(Party p, long channelId, String userId, String name, String status, Instant lastMessageAt) {
    long contact = contact(p.accountId(), channelId, userId, name, null, null);
    return conversation(p.accountId(), channelId, contact, status, null, null, lastMessageAt);
  }

  static long message(long accountId, long conversationId, long channelId, String direction, String type, String text, Instant at) {
    String sender = "in".equals(direction) ? "contact" : "agent";
    String status = "in".equals(direction) ? "received" : "sent";
    return Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at) "
            + "VALUES (?, ?, ?, ?, ?, 'text', ?::text, ?, ?, ?) RETURNING id",
        accountId, conversationId, channelId, direction, type, text, sender, status, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
  }

  static void label(long accountId, long contactId, String name) {
    Seed.insert(db, "INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, ?) RETURNING 1", contactId, accountId, name);
  }

  static long contactOf(long conversationId) {
    return Seed.scalar(db, "SELECT contact_id FROM conversations WHERE id = ?", conversationId);
  }

  /** The account's events in the log, oldest first. */
  static List<JsonObject> events(long accountId) {
    return node.node.services().events().read(accountId, null, 10_000).await();
  }

  static void eventually(BooleanSupplier condition) {
    Await.until("condition", Duration.ofSeconds(5), condition);
  }

  static String id(long id) {
    return String.valueOf(id);
  }
}
