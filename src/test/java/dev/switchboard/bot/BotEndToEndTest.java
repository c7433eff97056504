package dev.switchboard.bot;

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
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bot end to end: signed webhooks in (fixtures re-stamped with "now" and re-signed), the
 * real processor, flows made through the API, replies out through the real send pipeline to
 * the fake Graph API.
 */
@DisplayName("End to end, the bot answers Closed conversations through the send pipeline")
class BotEndToEndTest {

  static final String WA_PHONE_ID = "118812345678901";
  static final String PAGE_ID = "361442187745120";
  static final String IG_ID = "17841400112233445";
  static final int MAX_PER_MINUTE = 3;

  static TestDb db;
  static String prefix;
  static TestNode node;
  static Vertx vertx;
  static FakeGraph graph;
  static Http http;
  static Http admin;
  static Seed.Account account;
  static long teamId;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(limits()).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    graph.respond("POST", "/" + WA_PHONE_ID + "/messages", c -> FakeGraph.Answer.json(200, new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.out-" + UUID.randomUUID())))));
    graph.respond("POST", "/me/messages", c -> FakeGraph.Answer.json(200, new JsonObject()
        .put("recipient_id", c.json().getJsonObject("recipient").getString("id"))
        .put("message_id", "m_out-" + UUID.randomUUID())));
    graph.respond("GET", "/", FakeGraph.Answer.ok("profile_response_messenger.json"));
    prefix = env.redisPrefix();
    node = env.node();
    http = env.http();
    account = Seed.account(db, "Acme");
    Seed.channel(db, account.accountId(), "whatsapp", WA_PHONE_ID);
    Seed.channel(db, account.accountId(), "messenger", PAGE_ID);
    Seed.channel(db, account.accountId(), "instagram", IG_ID);
    teamId = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, ?) RETURNING id", account.accountId(), "Support");
    admin = http.as(http.login(account.adminEmail(), account.password()));
  }

  /** The settings of a second node on the same database and fake. */
  static JsonObject settings() {
    return limits().put("GRAPH_API_URL", graph.url());
  }

  // every node of the class; the extension adds the fake's URL to its own
  static JsonObject limits() {
    return new JsonObject()
        .put("BOT_MAX_REPLIES_PER_MINUTE", MAX_PER_MINUTE)
        .put("GRAPH_RETRY_BASE_MS", 50)
        .put("OUTBOUND_POLL_MS", 200)
        .put("PROCESSOR_SWEEP_MS", 200);
  }

  @BeforeEach
  void noFlows() throws Exception {
    exec("DELETE FROM flows");
  }

  // --- flows ---------------------------------------------------------------------------------

  static void flow(String name, JsonObject trigger, JsonObject... actions) {
    JsonArray a = new JsonArray();
    for (JsonObject o : actions) {
      a.add(o);
    }
    Http.Res r = admin.post("/api/v1/flows", new JsonObject().put("name", name).put("trigger", trigger).put("actions", a));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
  }

  static JsonObject keyword(String... words) {
    return new JsonObject().put("type", "keyword").put("keywords", new JsonArray(List.of((Object[]) words)));
  }

  static JsonObject payloads(String... payloads) {
    return new JsonObject().put("type", "payload").put("payloads", new JsonArray(List.of((Object[]) payloads)));
  }

  static JsonObject reply(String text) {
    return new JsonObject().put("type", "reply").put("text", text);
  }

  static JsonObject handoff() {
    return new JsonObject().put("type", "handoff");
  }

  // --- webhooks: fixtures re-stamped, re-identified and re-signed ------------------------------

  /** A customer's WhatsApp message from {@code from}; answers the wamid. */
  static String whatsapp(Http via, String fixture, String from, Instant at, Consumer<JsonObject> edit) {
    String id = Webhooks.wamid();
    Webhooks.post(via, "whatsapp", Webhooks.whatsappMessage(fixture, from, null, id, at, edit));
    return id;
  }

  static String whatsappText(String from, String text) {
    return whatsapp(http, "whatsapp_text.json", from, Instant.now(), m -> m.getJsonObject("text").put("body", text));
  }

  /** A Messenger or Instagram event for {@code user}; answers the mid. */
  static String messaging(Http via, String platform, String fixture, String user, boolean echo, Consumer<JsonObject> edit) {
    String mid = Webhooks.mid();
    Webhooks.post(via, platform, Webhooks.messaging(fixture, user, mid, echo, edit));
    return mid;
  }

  static String messengerText(String user, String text) {
    return messaging(http, "messenger", "messenger_text.json", user, false, m -> m.put("text", text));
  }

  static String user() {
    return "1415" + (1_000_000 + (long) (Math.random() * 8_999_999));
  }

  // --- database views ------------------------------------------------------------------------

  /** What an agent does in the inbox: PATCH /conversations/{id}. */
  static void patch(long conversationId, JsonObject body) {
    Http.Res r = admin.patch("/api/v1/conversations/" + conversationId, body);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  static void exec(String sql, Object... args) throws Exception {
    Seed.exec(db, sql, args);
  }

  static List<String> strings(String sql, Object... args) {
    return Seed.strings(db, sql, args);
  }

  /** Waits until the processor stored the message: the bot ran in that same transaction. */
  static void stored(String externalId) {
    eventually(() -> !strings("SELECT id FROM messages WHERE external_id = ?", externalId).isEmpty(), "message " + externalId + " stored");
  }

  static long conversation(String platformUserId) {
    return Long.parseLong(strings("SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.platform_user_id = ?",
        platformUserId).get(0));
  }

  static List<String> botTexts(String platformUserId) {
    return strings("SELECT m.text FROM messages m JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts ct ON ct.id = cv.contact_id"
        + " WHERE ct.platform_user_id = ? AND m.sender_type = 'bot' ORDER BY m.id", platformUserId);
  }

  static String status(String platformUserId) {
    return strings("SELECT cv.status FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.platform_user_id = ?",
        platformUserId).get(0);
  }

  static List<JsonObject> whatsappSends(String to) {
    return graph.calls("POST", "/" + WA_PHONE_ID + "/messages").stream().map(FakeGraph.Call::json)
        .filter(j -> to.equals(j.getString("to"))).toList();
  }

  static List<JsonObject> meSends(String recipient) {
    return graph.calls("POST", "/me/messages").stream().map(FakeGraph.Call::json)
        .filter(j -> recipient.equals(j.getJsonObject("recipient").getString("id"))).toList();
  }

  static void eventually(Supplier<Boolean> condition, String what) {
    Await.until(what, Duration.ofSeconds(15), () -> condition.get());
  }

  // --- tests ---------------------------------------------------------------------------------

  @Test
  @DisplayName("a keyword in a Closed WhatsApp conversation gets one bot reply, sent as interactive buttons and marked sent")
  void keywordReply() {
    flow("prices", keyword("price"), reply("Our prices start at 10 €").put("quickReplies", new JsonArray().add("Buy").add("Agent")));
    String from = user();
    stored(whatsappText(from, "What is the PRICE?"));
    assertThat(botTexts(from)).containsExactly("Our prices start at 10 €");
    eventually(() -> !whatsappSends(from).isEmpty(), "bot reply sent to Graph");
    JsonObject sent = whatsappSends(from).get(0);
    assertThat(sent.getString("type")).isEqualTo("interactive");
    assertThat(sent.encode()).contains("Our prices start at 10 €").contains("Buy").contains("Agent");
    eventually(() -> strings("SELECT status FROM messages WHERE sender_type = 'bot' AND conversation_id = ?", conversation(from)).contains("sent"),
        "bot message marked sent");
    assertThat(strings("SELECT type FROM messages WHERE sender_type = 'bot' AND conversation_id = ?", conversation(from))).containsExactly("bot");

    stored(whatsappText(from, "that is priceless"));
    assertThat(botTexts(from)).hasSize(1);
  }

  @Test
  @DisplayName("Open and Assigned conversations (set by an agent) get no bot reply")
  void silentInOpenAndAssigned() {
    flow("prices", keyword("price"), reply("Our prices start at 10 €"));
    String from = user();
    stored(whatsappText(from, "hello"));
    patch(conversation(from), new JsonObject().put("status", "open"));
    stored(whatsappText(from, "price?"));
    patch(conversation(from), new JsonObject().put("assignee", new JsonObject().put("type", "team").put("id", String.valueOf(teamId))));
    assertThat(status(from)).isEqualTo("assigned");
    stored(whatsappText(from, "price!!"));
    assertThat(botTexts(from)).isEmpty();
    assertThat(whatsappSends(from)).isEmpty();
  }

  @Test
  @DisplayName("a hand-off opens the conversation and silences the bot; closing it again re-arms the bot")
  void handoffAndRearm() {
    flow("human", keyword("agent", "human"), reply("A person will answer you shortly"), handoff());
    flow("prices", keyword("price"), reply("Our prices start at 10 €"));
    String user = user();
    stored(messengerText(user, "I want a human"));
    assertThat(status(user)).isEqualTo("open");
    assertThat(botTexts(user)).containsExactly("A person will answer you shortly");
    assertThat(strings("SELECT actor_type FROM conversation_history WHERE conversation_id = ?", conversation(user))).containsExactly("bot");

    stored(messengerText(user, "what is the price?"));
    assertThat(botTexts(user)).hasSize(1);

    patch(conversation(user), new JsonObject().put("status", "closed"));
    stored(messengerText(user, "what is the price?"));
    assertThat(botTexts(user)).containsExactly("A person will answer you shortly", "Our prices start at 10 €");
    eventually(() -> meSends(user).size() == 2, "both replies sent");
    assertThat(meSends(user)).allSatisfy(j -> assertThat(j.getString("messaging_type")).isEqualTo("RESPONSE"));
    assertThat(meSends(user)).noneSatisfy(j -> assertThat(j.containsKey("tag")).isTrue());
  }

  @Test
  @DisplayName("a hand-off silences the bot at once for a message queued behind it in the same webhook")
  void handoffSilencesQueuedMessage() {
    flow("human", keyword("agent"), reply("A person will answer you shortly"), handoff());
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    String from = user();
    JsonObject body = Webhooks.whatsappTextBody(from, null, Webhooks.wamid(), "agent please");
    String secondId = Webhooks.wamid();
    JsonObject second = Webhooks.whatsappValue(body).getJsonArray("messages").getJsonObject(0).copy().put("id", secondId);
    second.getJsonObject("text").put("body", "hello?");
    Webhooks.whatsappValue(body).getJsonArray("messages").add(second);
    Webhooks.post(http, "whatsapp", body);
    stored(secondId);
    assertThat(botTexts(from)).containsExactly("A person will answer you shortly");
    assertThat(status(from)).isEqualTo("open");
  }

  @Test
  @DisplayName("on Instagram a reply's buttons go out as quick replies, never with a message tag; the label change and the reply reach GET /events")
  void instagramQuickRepliesAndEvents() {
    flow("sizes", keyword("available"), reply("Which size?").put("quickReplies", new JsonArray()
            .add(new JsonObject().put("title", "M").put("payload", "SIZE_M")).add(new JsonObject().put("title", "L").put("payload", "SIZE_L"))),
        new JsonObject().put("type", "label").put("name", "sizing"));
    String user = user();
    stored(messaging(http, "instagram", "instagram_text.json", user, false, m -> { }));
    eventually(() -> meSends(user).size() == 1, "the reply sent");
    JsonObject sent = meSends(user).get(0);
    assertThat(sent.getString("messaging_type")).isNotEqualTo("MESSAGE_TAG");
    assertThat(sent.containsKey("tag")).isFalse();
    assertThat(sent.getJsonObject("message").getString("text")).isEqualTo("Which size?");
    assertThat(sent.getJsonObject("message").getJsonArray("quick_replies")).extracting(o -> ((JsonObject) o).getString("payload"))
        .containsExactly("SIZE_M", "SIZE_L");

    String conversationId = String.valueOf(conversation(user));
    eventually(() -> {
      List<JsonObject> events = new ArrayList<>();
      admin.get("/api/v1/events?limit=200").items().forEach(o -> events.add((JsonObject) o));
      boolean reply = events.stream().anyMatch(e -> "message.created".equals(e.getString("type"))
          && conversationId.equals(e.getString("conversationId")) && "bot".equals(e.getJsonObject("data").getString("senderType")));
      boolean label = events.stream().anyMatch(e -> "contact.updated".equals(e.getString("type"))
          && conversationId.equals(e.getString("conversationId")) && e.getJsonObject("data").getJsonArray("labels").contains("sizing"));
      return reply && label;
    }, "bot reply and label change in the event log");
  }

  @Test
  @DisplayName("payload triggers: WhatsApp interactive and template buttons, Messenger quick reply and postback, Instagram ice breaker")
  void payloadTriggers() {
    flow("refund", payloads("refund_request"), reply("refund flow"));
    flow("agent", payloads("TALK_TO_AGENT"), reply("agent flow"));
    flow("sunday", payloads("CONFIRM_SUNDAY_DELIVERY"), reply("sunday flow"));
    flow("start", payloads("GET_STARTED"), reply("start flow"));
    flow("hours", payloads("ICEBREAKER_HOURS"), reply("hours flow"));

    String wa = user();
    stored(whatsapp(http, "whatsapp_interactive_button_reply.json", wa, Instant.now(), m -> { }));
    stored(whatsapp(http, "whatsapp_template_button.json", wa, Instant.now(), m -> { }));
    assertThat(botTexts(wa)).containsExactly("refund flow", "agent flow");

    String fb = user();
    stored(messaging(http, "messenger", "messenger_quick_reply.json", fb, false, m -> { }));
    stored(messaging(http, "messenger", "messenger_postback.json", fb, false, m -> { }));
    assertThat(botTexts(fb)).containsExactly("sunday flow", "start flow");

    String ig = user();
    stored(messaging(http, "instagram", "instagram_postback_icebreaker.json", ig, false, m -> { }));
    assertThat(botTexts(ig)).containsExactly("hours flow");
    eventually(() -> meSends(ig).size() == 1 && meSends(fb).size() == 2 && whatsappSends(wa).size() == 2, "all five replies sent");
  }

  @Test
  @DisplayName("echoes of the business's own messages are never answered")
  void noReplyToEchoes() {
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    String user = user();
    stored(messengerText(user, "hi"));
    assertThat(botTexts(user)).containsExactly("bot here");
    stored(messaging(http, "messenger", "messenger_echo.json", user, true, m -> m.put("text", "sent from the phone")));
    assertThat(strings("SELECT type FROM messages WHERE conversation_id = ? ORDER BY id", conversation(user))).contains("echo");
    assertThat(botTexts(user)).containsExactly("bot here");
  }

  @Test
  @DisplayName("a message older than the automation window is stored but not answered")
  void noReplyToOldMessage() {
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    String from = user();
    stored(whatsapp(http, "whatsapp_text.json", from, Instant.now().minus(Duration.ofHours(25)), m -> { }));
    assertThat(botTexts(from)).isEmpty();
    stored(whatsappText(from, "and now?"));
    assertThat(botTexts(from)).containsExactly("bot here");
  }

  @Test
  @DisplayName("the loop guard caps bot replies per conversation per minute")
  void loopGuard() {
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    String from = user();
    for (int i = 0; i < MAX_PER_MINUTE + 2; i++) {
      stored(whatsappText(from, "message " + i));
    }
    assertThat(botTexts(from)).hasSize(MAX_PER_MINUTE);
  }

  @Test
  @DisplayName("with two nodes each message is answered exactly once, also when Meta delivers it to both")
  void twoNodes() {
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    try (TestNode second = TestNode.start(db, prefix, settings()); Http http2 = new Http(second.vertx, second.baseUrl())) {
      List<String> users = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String user = user();
        users.add(user);
        String mid = Webhooks.mid();
        JsonObject body = Webhooks.messaging("messenger_text.json", user, mid, false, m -> { });
        Webhooks.post(http, "messenger", body);
        Webhooks.post(http2, "messenger", body);
        stored(mid);
      }
      for (String user : users) {
        eventually(() -> meSends(user).size() >= 1, "reply to " + user + " sent");
      }
      for (String user : users) {
        assertThat(botTexts(user)).as(user).containsExactly("bot here");
        assertThat(strings("SELECT count(*) FROM messages m JOIN conversations cv ON cv.id = m.conversation_id JOIN contacts ct"
            + " ON ct.id = cv.contact_id WHERE ct.platform_user_id = ? AND m.direction = 'in'", user)).containsExactly("1");
        assertThat(meSends(user)).hasSize(1);
      }
    }
  }

  @Test
  @DisplayName("a webhook stored by a node that crashes before processing it is answered exactly once by the node that processes it")
  void crashBeforeProcessing() {
    flow("any", new JsonObject().put("type", "any"), reply("bot here"));
    String user = user();
    TestNode storer = TestNode.start(db, prefix, settings().put("PROCESSOR_ENABLED", false));
    String mid;
    try {
      Http h = new Http(storer.vertx, storer.baseUrl());
      mid = messaging(h, "messenger", "messenger_text.json", user, false, m -> m.put("text", "anyone there?"));
    } finally {
      storer.kill();
    }
    stored(mid);
    assertThat(botTexts(user)).containsExactly("bot here");
    eventually(() -> meSends(user).size() == 1, "the reply sent");
    assertThat(strings("SELECT count(*) FROM raw_events WHERE status = 'pending'")).containsExactly("0");
  }
}
