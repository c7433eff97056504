package dev.switchboard.bot;

import dev.switchboard.common.Services;
import dev.switchboard.common.Times;
import dev.switchboard.common.Inbound;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bot hook exactly as the processor drives it (InboundHooks inside the transaction that
 * stores the messages, then after commit), against a real node, PostgreSQL and Redis.
 */
@DisplayName("The bot hook answers Closed conversations inside the processor's transaction")
class BotHookTest {

  static TestDb db;
  static TestNode node;
  static Vertx vertx;
  static FakeGraph graph;
  static Services services;
  static Seed.Account account;
  static long channelId;
  static long teamId;

  long contactId;
  long conversationId;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject().put("BOT_MAX_REPLIES_PER_MINUTE", 3)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    graph.respond("POST", "/", FakeGraph.Answer.ok("send_response_whatsapp_text.json"));
    node = env.node();
    services = node.node.services();
    account = Seed.account(db, "Acme");
    channelId = Seed.channel(db, account.accountId(), "whatsapp", "wa-" + UUID.randomUUID());
    teamId = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, ?) RETURNING id", account.accountId(), "Sales");
  }

  @BeforeEach
  void conversation() throws Exception {
    exec("DELETE FROM flows");
    contactId = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) VALUES (?, ?, ?, ?) RETURNING id",
        account.accountId(), channelId, "u-" + UUID.randomUUID(), "Dana");
    conversationId = Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id) VALUES (?, ?, ?) RETURNING id",
        account.accountId(), channelId, contactId);
  }

  // --- helpers -------------------------------------------------------------------------------

  static void exec(String sql, Object... args) throws Exception {
    Seed.exec(db, sql, args);
  }

  static List<String> strings(String sql, Object... args) throws Exception {
    return Seed.strings(db, sql, args);
  }

  static void flow(String name, JsonObject trigger, JsonArray actions) throws Exception {
    exec("INSERT INTO flows (account_id, position, name, trigger, actions) VALUES (?, (SELECT count(*) FROM flows), ?, ?::jsonb, ?::jsonb)",
        account.accountId(), name, trigger.encode(), actions.encode());
  }

  static JsonObject keyword(String... words) {
    JsonArray a = new JsonArray();
    for (String w : words) {
      a.add(w);
    }
    return new JsonObject().put("type", "keyword").put("keywords", a);
  }

  static JsonObject reply(String text) {
    return new JsonObject().put("type", "reply").put("text", text);
  }

  /** Stores an incoming message row as the processor would and describes it as the hook sees it. */
  Inbound inbound(String contentType, String text, String payload, Instant platformTime, boolean first) throws Exception {
    long id = Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, external_id)"
            + " VALUES (?, ?, ?, 'in', 'incoming', ?, ?, 'contact', 'received', ?) RETURNING id",
        account.accountId(), conversationId, channelId, contentType, text, "wamid." + UUID.randomUUID());
    exec("UPDATE conversations SET last_inbound_at = greatest(last_inbound_at, ?) WHERE id = ?", Times.utc(platformTime), conversationId);
    return new Inbound(account.accountId(), channelId, "whatsapp", conversationId, contactId, id, "closed",
        contentType, text, payload, platformTime, platformTime, first);
  }

  Inbound text(String text) throws Exception {
    return inbound("text", text, null, Instant.now().minusSeconds(5), false);
  }

  /** What the processor does: the hooks inside its transaction, then after commit. */
  static void deliver(Inbound... created) {
    List<Inbound> list = List.of(created);
    node.node.transactions().run(tx -> services.inboundHooks().inTransaction(tx, list)).await();
    services.inboundHooks().afterCommit(list);
  }

  List<String> botReplies() throws Exception {
    return strings("SELECT text FROM messages WHERE conversation_id = ? AND sender_type = 'bot' AND type = 'bot' AND direction = 'out'"
        + " ORDER BY id", conversationId);
  }

  String status() throws Exception {
    return strings("SELECT status FROM conversations WHERE id = ?", conversationId).get(0);
  }

  List<JsonObject> events(String type) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject e : services.events().read(account.accountId(), null, 1000).await()) {
      if (type.equals(e.getString("type")) && String.valueOf(conversationId).equals(e.getString("conversationId"))) {
        out.add(e);
      }
    }
    return out;
  }

  static void eventually(BooleanSupplier condition) throws InterruptedException {
    Await.until("condition", Duration.ofSeconds(5), condition);
  }

  // --- tests ---------------------------------------------------------------------------------

  @Test
  @DisplayName("a keyword queues one rendered bot reply in a Closed conversation, with its message.created event")
  void keywordReply() throws Exception {
    exec("INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'membership', 'diamond')", contactId, account.accountId());
    flow("prices", keyword("price"), new JsonArray().add(reply("Prices for {{membership}} members: 10 €")));
    deliver(text("What is the PRICE?"));
    assertThat(botReplies()).containsExactly("Prices for diamond members: 10 €");
    eventually(() -> events(Bus.MESSAGE_CREATED).stream().anyMatch(e -> "bot".equals(e.getJsonObject("data").getString("senderType"))));

    deliver(text("that is priceless"));
    assertThat(botReplies()).hasSize(1);
  }

  @Test
  @DisplayName("Open and Assigned conversations get no answer, whatever the status the processor saw")
  void silentUnlessClosed() throws Exception {
    flow("any", new JsonObject().put("type", "any"), new JsonArray().add(reply("bot here")));
    exec("UPDATE conversations SET status = 'open' WHERE id = ?", conversationId);
    deliver(text("hello"));
    exec("UPDATE conversations SET status = 'assigned', assignee_type = 'team', assignee_id = ? WHERE id = ?", teamId, conversationId);
    deliver(text("hello again"));
    assertThat(botReplies()).isEmpty();
    exec("UPDATE conversations SET status = 'closed', assignee_type = NULL, assignee_id = NULL WHERE id = ?", conversationId);
    deliver(text("and now?"));
    assertThat(botReplies()).containsExactly("bot here");
  }

  @Test
  @DisplayName("a hand-off silences the bot at once, also for the next message of the same batch; it is recorded as the bot's")
  void handoffInBatch() throws Exception {
    flow("human", keyword("agent"), new JsonArray().add(reply("Connecting you to a person")).add(new JsonObject().put("type", "handoff")));
    flow("any", new JsonObject().put("type", "any"), new JsonArray().add(reply("bot here")));
    deliver(text("I want an agent"), text("hello?"));
    assertThat(botReplies()).containsExactly("Connecting you to a person");
    assertThat(status()).isEqualTo("open");
    assertThat(strings("SELECT actor_type || ':' || from_status || '->' || to_status FROM conversation_history WHERE conversation_id = ?", conversationId))
        .containsExactly("bot:closed->open");
    eventually(() -> events(Bus.CONVERSATION_UPDATED).stream().anyMatch(e -> "open".equals(e.getJsonObject("data").getString("status"))));
  }

  @Test
  @DisplayName("a hand-off with a team assigns the conversation to that team")
  void handoffToTeam() throws Exception {
    flow("sales", keyword("buy"), new JsonArray().add(new JsonObject().put("type", "handoff").put("teamId", String.valueOf(teamId))));
    deliver(text("I want to buy"));
    assertThat(strings("SELECT status || ':' || assignee_type || ':' || assignee_id FROM conversations WHERE id = ?", conversationId))
        .containsExactly("assigned:team:" + teamId);
    assertThat(strings("SELECT to_status || ':' || to_assignee_type || ':' || to_assignee_id FROM conversation_history WHERE conversation_id = ?", conversationId))
        .containsExactly("assigned:team:" + teamId);
    assertThat(botReplies()).isEmpty();
  }

  @Test
  @DisplayName("label and field actions change the contact in the same transaction and push contact.updated")
  void labelAndField() throws Exception {
    flow("lead", keyword("quote"), new JsonArray()
        .add(new JsonObject().put("type", "label").put("name", "lead"))
        .add(new JsonObject().put("type", "field").put("name", "topic").put("value", "quote"))
        .add(reply("Your topic: {{topic}}")));
    deliver(text("Can I get a quote?"));
    assertThat(strings("SELECT name FROM contact_labels WHERE contact_id = ?", contactId)).containsExactly("lead");
    assertThat(strings("SELECT value FROM contact_fields WHERE contact_id = ? AND name = 'topic'", contactId)).containsExactly("quote");
    assertThat(botReplies()).containsExactly("Your topic: quote");
    eventually(() -> events(Bus.CONTACT_UPDATED).stream()
        .anyMatch(e -> e.getJsonObject("data").getJsonArray("labels").contains("lead")
            && "quote".equals(e.getJsonObject("data").getJsonObject("fields").getString("topic"))));
  }

  @Test
  @DisplayName("a contact at its limit of labels and fields gets no new one from a flow, a field it has still changes, and the flow's reply is sent")
  void labelAndFieldAtTheContactsLimit() throws Exception {
    exec("INSERT INTO contact_labels (contact_id, account_id, name) SELECT ?, ?, 'l' || n FROM generate_series(1, 100) n", contactId, account.accountId());
    exec("INSERT INTO contact_fields (contact_id, account_id, name, value) SELECT ?, ?, 'f' || n, 'v' FROM generate_series(1, 100) n",
        contactId, account.accountId());
    flow("full", keyword("full"), new JsonArray()
        .add(new JsonObject().put("type", "label").put("name", "one more"))
        .add(new JsonObject().put("type", "field").put("name", "extra").put("value", "x"))
        .add(new JsonObject().put("type", "field").put("name", "f1").put("value", "changed"))
        .add(reply("Noted")));
    try {
      deliver(text("I am full"));
      assertThat(botReplies()).containsExactly("Noted");
      assertThat(strings("SELECT count(*)::text FROM contact_labels WHERE contact_id = ?", contactId)).containsExactly("100");
      assertThat(strings("SELECT count(*)::text FROM contact_fields WHERE contact_id = ?", contactId)).containsExactly("100");
      assertThat(strings("SELECT value FROM contact_fields WHERE contact_id = ? AND name = 'f1'", contactId)).containsExactly("changed");
    } finally {
      // other tests read the account's label names, which these would join
      exec("DELETE FROM contact_labels WHERE contact_id = ?", contactId);
      exec("DELETE FROM contact_fields WHERE contact_id = ?", contactId);
    }
  }

  @Test
  @DisplayName("a label action reuses the account's spelling: a flow adding \"vip\" where agents use \"VIP\" adds VIP")
  void labelSpelling() throws Exception {
    long other = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) VALUES (?, ?, ?, ?) RETURNING id",
        account.accountId(), channelId, "u-" + UUID.randomUUID(), "Earlier");
    exec("INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, 'VIP')", other, account.accountId());
    flow("vip", keyword("gold"), new JsonArray().add(new JsonObject().put("type", "label").put("name", "vip")));
    deliver(text("gold member here"));
    assertThat(strings("SELECT name FROM contact_labels WHERE contact_id = ?", contactId)).containsExactly("VIP");
    assertThat(strings("SELECT DISTINCT name FROM contact_labels WHERE account_id = ?", account.accountId())).containsExactly("VIP");
  }

  @Test
  @DisplayName("a label action takes the spelling an admin defined ahead of use, before any on contacts")
  void definedLabelSpelling() throws Exception {
    exec("INSERT INTO label_names (account_id, name) VALUES (?, 'Gold Tier')", account.accountId());
    flow("gold", keyword("gold"), new JsonArray().add(new JsonObject().put("type", "label").put("name", "gold tier")));
    try {
      deliver(text("gold member here"));
      assertThat(strings("SELECT name FROM contact_labels WHERE contact_id = ?", contactId)).containsExactly("Gold Tier");
    } finally {
      // the account is shared: other tests count its label spellings
      exec("DELETE FROM contact_labels WHERE account_id = ? AND name = 'Gold Tier'", account.accountId());
      exec("DELETE FROM label_names WHERE account_id = ?", account.accountId());
    }
  }

  @Test
  @DisplayName("payload and first_message triggers run from what the processor passes")
  void payloadAndFirst() throws Exception {
    flow("refund", new JsonObject().put("type", "payload").put("payloads", new JsonArray().add("refund_request")),
        new JsonArray().add(reply("Refund started")));
    flow("welcome", new JsonObject().put("type", "first_message"), new JsonArray().add(reply("Welcome!")));
    deliver(inbound("text", "hi", null, Instant.now(), true));
    deliver(inbound("interactive", "Request refund", "refund_request", Instant.now(), false));
    deliver(inbound("text", "hi again", null, Instant.now(), false));
    assertThat(botReplies()).containsExactly("Welcome!", "Refund started");
  }

  @Test
  @DisplayName("reactions and messages older than the automation window are never answered")
  void reactionsAndOldMessages() throws Exception {
    flow("any", new JsonObject().put("type", "any"), new JsonArray().add(reply("bot here")));
    deliver(inbound("reaction", "👍", null, Instant.now(), false));
    deliver(inbound("text", "old", null, Instant.now().minus(Duration.ofHours(24)).minusSeconds(1), false));
    assertThat(botReplies()).isEmpty();
    deliver(inbound("text", "fresh", null, Instant.now().minus(Duration.ofHours(23)), false));
    assertThat(botReplies()).containsExactly("bot here");
  }

  @Test
  @DisplayName("the loop guard lets at most BOT_MAX_REPLIES_PER_MINUTE bot replies per conversation per minute")
  void loopGuard() throws Exception {
    flow("any", new JsonObject().put("type", "any"), new JsonArray().add(reply("bot here")));
    deliver(text("1"), text("2"));
    deliver(text("3"), text("4"));
    assertThat(botReplies()).hasSize(3);
    assertThat(node.registry.get("switchboard_bot_replies_dropped").counter().count()).isGreaterThanOrEqualTo(1);
    exec("UPDATE messages SET created_at = created_at - interval '61 seconds' WHERE conversation_id = ? AND sender_type = 'bot'", conversationId);
    deliver(text("5"));
    assertThat(botReplies()).hasSize(4);
  }

  @Test
  @DisplayName("a transaction that rolls back leaves no reply, no hand-off and no event: evaluation commits with the message")
  void rollback() throws Exception {
    flow("human", keyword("agent"), new JsonArray().add(reply("Connecting")).add(new JsonObject().put("type", "handoff")));
    Inbound in = text("agent please");
    assertThatThrownBy(() -> node.node.transactions().run(tx -> services.inboundHooks().inTransaction(tx, List.of(in))
        .compose(v -> Future.failedFuture(new IllegalStateException("processor failed later")))).await())
        .hasMessageContaining("processor failed later");
    assertThat(botReplies()).isEmpty();
    assertThat(status()).isEqualTo("closed");
    // redelivered and stored this time: evaluated exactly once
    deliver(in);
    assertThat(botReplies()).containsExactly("Connecting");
    assertThat(status()).isEqualTo("open");
  }

  @Test
  @DisplayName("a failing bot write fails the processor's transaction whole: nothing half-applied, the processor retries")
  void failureRollsBackWhole() throws Exception {
    flow("lead", keyword("quote"), new JsonArray().add(new JsonObject().put("type", "label").put("name", "lead")).add(reply("x")));
    BotHook failing = new BotHook((tx, cause, t, q) -> tx.conn().query("SELECT 1/0").execute().mapEmpty(), services.clock(), services.windows(),
        services.config().bot().maxRepliesPerMinute(), services.metrics());
    Inbound in = text("quote please");
    assertThatThrownBy(() -> node.node.transactions().run(tx -> tx.conn().query("UPDATE conversations SET unread_count = 42 WHERE id = " + conversationId).execute()
        .compose(v -> failing.inTransaction(tx, List.of(in)))).await());
    assertThat(strings("SELECT unread_count FROM conversations WHERE id = ?", conversationId)).containsExactly("0");
    assertThat(strings("SELECT name FROM contact_labels WHERE contact_id = ?", contactId)).isEmpty();
    assertThat(events("conversation.updated")).isEmpty();
    deliver(in);
    assertThat(strings("SELECT name FROM contact_labels WHERE contact_id = ?", contactId)).containsExactly("lead");
    assertThat(botReplies()).containsExactly("x");
  }
}
