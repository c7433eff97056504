package dev.switchboard.web;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What every browser test class starts: a database of its own, a Graph API fake that accepts
 * sends, a real node, and one account with an admin, an agent, a team and a channel per platform.
 */
final class BrowserFixture implements AutoCloseable {

  final TestDb db;
  final Vertx vertx;
  final FakeGraph graph;
  final String redisPrefix;
  final JsonObject overrides;
  TestNode node;
  final Http http;
  final Seed.Account account;
  final long agentId;
  final String agentEmail = "bea@acme.test";
  final String agentPassword = "bea-password";
  final long teamId;
  final long whatsapp;
  final long messenger;
  final long instagram;
  final String adminToken;
  private final List<Browser> browsers = new ArrayList<>();
  private final java.util.Deque<Browser> idle = new java.util.ArrayDeque<>();
  private final List<Browser> lent = new ArrayList<>();

  // the database, Vert.x, fake and client; the node is the fixture's, since ReconnectBrowserIT replaces it
  private final NodeExtension env;

  BrowserFixture(JsonObject extraSettings) {
    env = NodeExtension.builder().graph().withoutNode().account("Acme").build();
    env.beforeAll(null);
    try {
      db = env.db();
      vertx = env.vertx();
      graph = env.graph();
      // every send gets its own platform id, so (channel, external_id) never collides
      graph.respond("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages", c -> FakeGraph.Answer.json(200, new JsonObject()
          .put("messaging_product", "whatsapp")
          .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.out-" + UUID.randomUUID())))));
      graph.respond("POST", "/me/messages", c -> FakeGraph.Answer.json(200, new JsonObject()
          .put("recipient_id", "x").put("message_id", "m_out-" + UUID.randomUUID())));
      graph.respond("GET", "/waba-1/message_templates", FakeGraph.Answer.json(200, new JsonObject().put("data", new JsonArray()
          .add(new JsonObject().put("name", "order_update").put("language", "en_US").put("status", "APPROVED").put("category", "UTILITY")
              .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", "Hello {{1}}, your order {{2}} is on its way.")))))));
      redisPrefix = env.redisPrefix();
      overrides = new JsonObject().put("GRAPH_API_URL", graph.url()).put("GRAPH_RETRY_BASE_MS", 50).mergeIn(extraSettings);
      node = TestNode.start(db, redisPrefix, overrides);
      http = env.open(new Http(vertx, node.baseUrl()));
      account = env.account();
      agentId = Seed.user(db, account.accountId(), "Bea Agent", agentEmail, agentPassword, "agent");
      teamId = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, ?) RETURNING id", account.accountId(), "Support");
      Seed.insert(db, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?) RETURNING team_id", teamId, agentId);
      whatsapp = Seed.channel(db, account.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
      Seed.insert(db, "UPDATE channels SET waba_id = 'waba-1' WHERE id = ? RETURNING id", whatsapp);
      messenger = Seed.channel(db, account.accountId(), "messenger", Webhooks.PAGE_ID);
      instagram = Seed.channel(db, account.accountId(), "instagram", Webhooks.IG_ID);
      adminToken = http.login(account.adminEmail(), account.password());
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  Http api() {
    return http.as(adminToken);
  }

  /** A browser for the whole class. */
  Browser browser() {
    Browser b = new Browser(node.baseUrl());
    browsers.add(b);
    return b;
  }

  /**
   * A browser for the running test only, as if new (see {@link Browser#reset}): Chromium starts
   * once and serves the class's tests in turn. The class gives them back with {@link #endTest}
   * after each test.
   */
  Browser fresh() {
    Browser b = idle.poll();
    if (b == null) {
      b = browser();
    } else {
      b.reset();
    }
    lent.add(b);
    return b;
  }

  /** The browsers lent to the test that ended are free for the next. */
  void endTest() {
    idle.addAll(lent);
    lent.clear();
  }

  /** The conversation id of a platform user, once the processor has stored it. */
  String conversationOf(String platformUserId) {
    return String.valueOf(eventually("conversation of " + platformUserId, () -> {
      try {
        return Seed.scalar(db, "SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.platform_user_id = ?", platformUserId);
      } catch (IllegalStateException e) {
        return null;
      }
    }));
  }

  /**
   * {@code n} customer messages "{@code text} 1" … "{@code text} n", a minute apart, before
   * everything already in the conversation; written straight to the database, so no event tells
   * a page about them and a long thread costs no webhook round trips.
   */
  void earlierMessages(String conversationId, int n, String text) {
    Seed.exec(db, """
        INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at, updated_at)
        SELECT cv.account_id, cv.id, cv.channel_id, 'in', 'incoming', 'text', ? || ' ' || g, 'contact', 'received',
               now() - (? + 10 - g) * interval '1 minute', now() - (? + 10 - g) * interval '1 minute'
          FROM conversations cv, generate_series(1, ?) g
         WHERE cv.id = ?""", text, n, n, n, Long.parseLong(conversationId));
  }

  static <T> T eventually(String what, Supplier<T> value) {
    return Await.value(what, Duration.ofSeconds(15), value);
  }

  @Override
  public void close() {
    for (Browser b : browsers) {
      try {
        b.close();
      } catch (RuntimeException ignored) {
        // the next one still closes
      }
    }
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      env.afterAll(null);
    }
  }
}
