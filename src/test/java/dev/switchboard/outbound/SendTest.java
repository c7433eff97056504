package dev.switchboard.outbound;

import dev.switchboard.conversation.TxEvents;
import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph.Answer;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.window.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.switchboard.outbound.SendSupport.awaitStatus;
import static dev.switchboard.outbound.SendSupport.conversation;
import static dev.switchboard.outbound.SendSupport.events;
import static dev.switchboard.outbound.SendSupport.row;
import static dev.switchboard.outbound.SendSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Replies, notes and templates go out through the Graph API within the window rules")
class SendTest {

  static final String PHONE_ID = "118812345678901";
  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static TestNode node;
  static Http http;
  static Seed.Account account;
  static long whatsapp;
  static long messenger;
  static long instagram;
  static MutableClock clock = new MutableClock(Instant.now());

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("GRAPH_RETRY_BASE_MS", 20)
      .put("GRAPH_MAX_ATTEMPTS", 3)
      .put("GRAPH_TIMEOUT_MS", 2000)
      .put("OUTBOUND_POLL_MS", 100)).clock(clock).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    node = env.node();
    account = Seed.account(db, "Send Co");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    Seed.insert(db, "UPDATE channels SET waba_id = '104857600123456' WHERE id = ? RETURNING id", whatsapp);
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
    instagram = Seed.channel(db, account.accountId(), "instagram", "17841400112233445");
    http = env.http().as(SendSupport.token(env.http(), account));
  }

  @BeforeEach
  void answers() {
    graph.reset();
    SendSupport.defaultAnswers(graph);
  }

  static Instant ago(Duration d) {
    return clock.instant().minus(d);
  }

  static Http.Res post(long conversationId, JsonObject body) {
    return http.post("/api/v1/conversations/" + conversationId + "/messages", body);
  }

  static JsonObject reply(String text) {
    return new JsonObject().put("type", "reply").put("text", text);
  }

  static long id(Http.Res r) {
    return Long.parseLong(r.json().getString("id"));
  }

  static long count(String sql, Object... args) {
    return Seed.scalar(db, sql, args);
  }

  @Test
  @DisplayName("a note is stored for agents only (status null) and never reaches the Graph API; a reply does")
  void noteVersusReply() {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(5)));
    Http.Res note = post(conv, new JsonObject().put("type", "note").put("text", "customer is VIP"));
    assertThat(note.status()).isEqualTo(201);
    assertThat(note.json().getString("type")).isEqualTo("note");
    assertThat(note.json().getString("status")).isNull();
    assertThat(note.json().getString("senderType")).isEqualTo("agent");
    assertThat(note.json().getString("senderId")).isEqualTo(String.valueOf(account.adminId()));

    Http.Res reply = post(conv, reply("Hello there"));
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().getString("status")).isEqualTo("pending");
    assertThat(reply.json().getString("direction")).isEqualTo("out");
    awaitStatus(db, id(reply), "sent");
    assertThat(SendSupport.status(db, id(note))).isNull();
    List<FakeGraph.Call> calls = graph.calls("POST", "/" + PHONE_ID + "/messages");
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).json().getJsonObject("text").getString("body")).isEqualTo("Hello there");
    assertThat(events(node, account.accountId(), "message.created", conv)).hasSize(2);
  }

  @Test
  @DisplayName("a WhatsApp reply is sent with the channel's token and stores the wamid; events follow each change")
  void whatsappReplySent() {
    String user = uniqueUser();
    long conv = conversation(db, account.accountId(), whatsapp, user, ago(Duration.ofHours(1)));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.ok("send_response_whatsapp_text.json"));
    Http.Res r = post(conv, reply("Your order #1042 shipped today."));
    assertThat(r.status()).isEqualTo(201);
    awaitStatus(db, id(r), "sent");
    String wamid = Fixtures.json("send_response_whatsapp_text.json").getJsonArray("messages").getJsonObject(0).getString("id");
    assertThat(row(db, id(r)).getString("external_id")).isEqualTo(wamid);

    FakeGraph.Call call = graph.calls("POST", "/" + PHONE_ID).get(0);
    assertThat(call.headers().get("authorization")).isEqualTo("Bearer token-" + PHONE_ID);
    JsonObject expected = Fixtures.json("send_request_whatsapp_text.json").put("to", user);
    expected.remove("context");
    assertThat(call.json()).isEqualTo(expected);

    List<JsonObject> updated = events(node, account.accountId(), "message.updated", conv);
    assertThat(updated).hasSize(1);
    assertThat(updated.get(0).getJsonObject("data").getString("status")).isEqualTo("sent");
    assertThat(updated.get(0).getJsonObject("data").getString("externalId")).isEqualTo(wamid);
    assertThat(events(node, account.accountId(), "message.created", conv)).hasSize(1);
    List<JsonObject> convUpdated = events(node, account.accountId(), "conversation.updated", conv);
    assertThat(convUpdated).hasSize(1);
    assertThat(convUpdated.get(0).getJsonObject("data").getString("lastMessageAt")).isNotNull();
    assertThat(convUpdated.get(0).getJsonObject("data").getJsonObject("window").getBoolean("templateRequired")).isFalse();
  }

  @Test
  @DisplayName("{{field}} placeholders are rendered from the contact's fields; a missing field is 422 naming it, nothing stored")
  void rendering() {
    long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(1)));
    SendSupport.field(db, account.accountId(), conv, "membership", "diamond");
    Http.Res ok = post(conv, reply("Your tier: {{membership}}"));
    assertThat(ok.status()).isEqualTo(201);
    assertThat(ok.json().getString("text")).isEqualTo("Your tier: diamond");
    awaitStatus(db, id(ok), "sent");
    assertThat(graph.calls("POST", "/me/messages").get(0).json().getJsonObject("message").getString("text")).isEqualTo("Your tier: diamond");

    Http.Res missing = post(conv, reply("Order {{order num}} for {{membership}} and {{city}}"));
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.errorCode()).isEqualTo("missing_field");
    assertThat(missing.json().getJsonObject("error").getString("message")).contains("{{order num}}").contains("{{city}}");
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(1);
  }

  @Test
  @DisplayName("WhatsApp past 24 h: 422 template_required naming when the window closed; nothing stored or sent")
  void whatsappTemplateRequired() {
    Instant last = ago(Duration.ofHours(25));
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), last);
    Http.Res r = post(conv, reply("too late"));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("template_required");
    assertThat(r.json().getJsonObject("error").getString("message")).contains(dev.switchboard.common.Times.iso(last.plus(Duration.ofHours(24))));
    long never = conversation(db, account.accountId(), whatsapp, uniqueUser(), null);
    assertThat(post(never, reply("hi")).errorCode()).isEqualTo("template_required");
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id IN (?, ?)", conv, never)).isZero();
    assertThat(graph.calls()).isEmpty();
  }

  @Test
  @DisplayName("Messenger and Instagram: RESPONSE within 24 h, HUMAN_AGENT tag from 24 h to 7 days, 422 window_closed after")
  void messengerWindows() {
    long fresh = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofHours(2)));
    long human = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofHours(30)));
    long igHuman = conversation(db, account.accountId(), instagram, uniqueUser(), ago(Duration.ofDays(3)));
    Instant old = ago(Duration.ofDays(8));
    long closed = conversation(db, account.accountId(), messenger, uniqueUser(), old);
    long never = conversation(db, account.accountId(), instagram, uniqueUser(), null);

    long a = id(post(fresh, reply("in window")));
    awaitStatus(db, a, "sent");
    JsonObject first = graph.calls("POST", "/me/messages").get(0).json();
    assertThat(first.getString("messaging_type")).isEqualTo("RESPONSE");
    assertThat(first.containsKey("tag")).isFalse();
    assertThat(first.getJsonObject("message").getString("metadata")).isEqualTo("outbox:" + a);

    long b = id(post(human, reply("after a day")));
    awaitStatus(db, b, "sent");
    JsonObject second = graph.calls("POST", "/me/messages").get(1).json();
    assertThat(second.getString("messaging_type")).isEqualTo("MESSAGE_TAG");
    assertThat(second.getString("tag")).isEqualTo("HUMAN_AGENT");
    assertThat(row(db, b).getString("messaging_tag")).isEqualTo("HUMAN_AGENT");

    long c = id(post(igHuman, reply("instagram after 3 days")));
    awaitStatus(db, c, "sent");
    JsonObject third = graph.calls("POST", "/me/messages").get(2).json();
    assertThat(third.getString("tag")).isEqualTo("HUMAN_AGENT");
    assertThat(third.getJsonObject("recipient").getString("id")).isNotBlank();

    Http.Res refused = post(closed, reply("a week later"));
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.errorCode()).isEqualTo("window_closed");
    assertThat(refused.json().getJsonObject("error").getString("message")).contains(dev.switchboard.common.Times.iso(old.plus(Duration.ofDays(7))));
    assertThat(post(never, reply("hello?")).errorCode()).isEqualTo("window_closed");
    assertThat(graph.calls()).hasSize(3);
  }

  @Test
  @DisplayName("a bot reply uses the automation window: never HUMAN_AGENT, refused after 24 h; quick replies are sent")
  void botReplies() {
    long fresh = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofHours(1)));
    long late = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofHours(30)));
    long waFresh = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofHours(1)));
    var services = node.node.services();
    Outbox outbox = new Outbox(node.node.transactions(), services.config().publicUrl(), services.config().media().maxBytes());
    node.node.transactions().run(tx -> outbox.enqueueBotReply(tx, fresh, "Continue?",
            List.of(new dev.switchboard.channel.Sender.QuickReply("Yes", "YES"), new dev.switchboard.channel.Sender.QuickReply("No", "NO")))
        .compose(v -> outbox.enqueueBotReply(tx, waFresh, "Pick one", List.of(new dev.switchboard.channel.Sender.QuickReply("Sales", "SALES")))))
        .await();
    long botMsg = count("SELECT id FROM messages WHERE conversation_id = ? AND sender_type = 'bot'", fresh);
    long waMsg = count("SELECT id FROM messages WHERE conversation_id = ? AND sender_type = 'bot'", waFresh);
    // committed with their events: both message.created are in the log when the transaction answers
    assertThat(events(node, account.accountId(), "message.created", waFresh)).hasSize(1);
    List<JsonObject> createdEvents = events(node, account.accountId(), "message.created", fresh);
    assertThat(createdEvents).hasSize(1);
    JsonObject created = createdEvents.get(0).getJsonObject("data");
    assertThat(created.getString("id")).isEqualTo(String.valueOf(botMsg));
    assertThat(created.getString("type")).isEqualTo("bot");
    assertThat(created.getString("senderType")).isEqualTo("bot");
    awaitStatus(db, botMsg, "sent");
    awaitStatus(db, waMsg, "sent");
    JsonObject sent = graph.calls("POST", "/me/messages").get(0).json();
    assertThat(sent.getString("messaging_type")).isEqualTo("RESPONSE");
    assertThat(sent.getJsonObject("message").getJsonArray("quick_replies")).hasSize(2);
    JsonObject wa = graph.calls("POST", "/" + PHONE_ID).get(0).json();
    assertThat(wa.getJsonObject("interactive").getString("type")).isEqualTo("button");

    Throwable refused = node.node.transactions().run(tx -> outbox.enqueueBotReply(tx, late, "too late", List.of()))
        .map(q -> (Throwable) null).otherwise(err -> err).await();
    assertThat(refused).isInstanceOf(dev.switchboard.common.ApiException.class);
    assertThat(((dev.switchboard.common.ApiException) refused).code()).isEqualTo("window_closed");
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", late)).isZero();
  }

  @Test
  @DisplayName("templates: the approved ones are listed (cached), and one is sent with the window closed, body rendered")
  void templates() {
    graph.respond("GET", "/104857600123456/message_templates", Answer.json(200, new JsonObject().put("data", new JsonArray()
        .add(new JsonObject().put("name", "order_update").put("language", "en_US").put("status", "APPROVED").put("category", "UTILITY")
            .put("components", new JsonArray().add(new JsonObject().put("type", "HEADER").put("format", "TEXT").put("text", "Update"))
                .add(new JsonObject().put("type", "BODY").put("text", "Your order {{1}} is on its way."))))
        .add(new JsonObject().put("name", "promo").put("language", "en_US").put("status", "REJECTED")
            .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", "Sale!")))))));
    Http.Res list = http.get("/api/v1/channels/" + whatsapp + "/templates");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.items()).containsExactly(new JsonObject().put("name", "order_update").put("language", "en_US")
        .put("status", "APPROVED").put("body", "Your order {{1}} is on its way."));
    assertThat(http.get("/api/v1/channels/" + whatsapp + "/templates").status()).isEqualTo(200);
    assertThat(graph.calls("GET", "/104857600123456/message_templates")).hasSize(1);
    assertThat(graph.calls("GET", "/104857600123456/message_templates").get(0).headers().get("authorization"))
        .isEqualTo("Bearer token-" + PHONE_ID);
    assertThat(http.get("/api/v1/channels/" + messenger + "/templates").errorCode()).isEqualTo("unsupported_platform");

    long conv = conversation(db, account.accountId(), whatsapp, "14155550123", ago(Duration.ofDays(3)));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.ok("send_response_whatsapp_template.json"));
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/template",
        new JsonObject().put("name", "order_update").put("language", "en_US").put("parameters", new JsonArray().add("#1042")));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("type")).isEqualTo("template");
    assertThat(r.json().getString("text")).isEqualTo("Your order #1042 is on its way.");
    awaitStatus(db, id(r), "sent");
    assertThat(graph.calls("POST", "/" + PHONE_ID).get(0).json()).isEqualTo(Fixtures.json("send_request_whatsapp_template.json"));
    assertThat(row(db, id(r)).getString("external_id")).startsWith("wamid.GAsxNTU1MDEwMDIwMC1vdXQtdG1wbC0");

    assertThat(http.post("/api/v1/conversations/" + conv + "/template", new JsonObject().put("name", "promo").put("language", "en_US"))
        .errorCode()).isEqualTo("template_not_found");
    assertThat(http.post("/api/v1/conversations/" + conv + "/template", new JsonObject().put("name", "order_update").put("language", "en_US"))
        .errorCode()).isEqualTo("invalid_parameters");
    // a blank parameter would reach the customer as "Your order  is on its way.": refused, naming which
    int sends = graph.calls("POST", "/" + PHONE_ID).size();
    Http.Res blank = http.post("/api/v1/conversations/" + conv + "/template",
        new JsonObject().put("name", "order_update").put("language", "en_US").put("parameters", new JsonArray().add("  ")));
    assertThat(blank.status()).isEqualTo(422);
    assertThat(blank.errorCode()).isEqualTo("invalid_parameters");
    assertThat(blank.json().getJsonObject("error").getString("message")).contains("{{1}}");
    assertThat(graph.calls("POST", "/" + PHONE_ID)).hasSize(sends);
  }

  @Test
  @DisplayName("a template parameter's {{field}} is the contact's value, as in a reply; a field the contact lacks is 422 missing_field and nothing is sent")
  void templateParameterFields() {
    // a number of its own, so the template list it caches is not the one another test counts fetches of
    String phone = "118812345670002";
    long channel = Seed.channel(db, account.accountId(), "whatsapp", phone);
    Seed.insert(db, "UPDATE channels SET waba_id = '104857600777777' WHERE id = ? RETURNING id", channel);
    graph.respond("GET", "/104857600777777/message_templates", Answer.json(200, new JsonObject().put("data", new JsonArray()
        .add(new JsonObject().put("name", "order_update").put("language", "en_US").put("status", "APPROVED").put("category", "UTILITY")
            .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", "Your order {{1}} is on its way.")))))));
    long conv = conversation(db, account.accountId(), channel, uniqueUser(), ago(Duration.ofDays(3)));
    long contact = Seed.scalar(db, "SELECT contact_id FROM conversations WHERE id = ?", conv);
    assertThat(http.put("/api/v1/contacts/" + contact + "/fields/order%20num", new JsonObject().put("value", "1042")).status()).isEqualTo(200);
    int sends = graph.calls("POST", "/" + phone).size();

    Http.Res missing = http.post("/api/v1/conversations/" + conv + "/template", new JsonObject().put("name", "order_update")
        .put("language", "en_US").put("parameters", new JsonArray().add("#{{order num}} for {{membership}}")));
    assertThat(missing.status()).isEqualTo(422);
    assertThat(missing.errorCode()).isEqualTo("missing_field");
    assertThat(missing.json().getJsonObject("error").getString("message")).contains("membership");
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isZero();

    Http.Res r = http.post("/api/v1/conversations/" + conv + "/template", new JsonObject().put("name", "order_update")
        .put("language", "en_US").put("parameters", new JsonArray().add("#{{order num}}")));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("text")).isEqualTo("Your order #1042 is on its way.");
    awaitStatus(db, id(r), "sent");
    var sent = graph.calls("POST", "/" + phone);
    assertThat(sent).hasSize(sends + 1);
    assertThat(sent.get(sends).json().getJsonObject("template").getJsonArray("components").getJsonObject(0)
        .getJsonArray("parameters").getJsonObject(0).getString("text")).isEqualTo("#1042");
  }

  @Test
  @DisplayName("a 500 and a rate-limit error are retried with backoff, then the send succeeds")
  void retries() {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.json(500, new JsonObject().put("error", new JsonObject()
        .put("message", "An unknown error occurred").put("code", 1))));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.fixture(429, "error_whatsapp_130429_throughput.json"));
    // the default answer (a fresh wamid) is the third
    long m = id(post(conv, reply("retry me")));
    awaitStatus(db, m, "sent");
    assertThat(graph.calls("POST", "/" + PHONE_ID)).hasSize(3);
    assertThat(row(db, m).getString("attempts")).isEqualTo("3");
    assertThat(events(node, account.accountId(), "message.updated", conv)).hasSize(1);
  }

  @Test
  @DisplayName("Graph 4 and 613 are retried; errors that keep coming fail after GRAPH_MAX_ATTEMPTS with the platform's code")
  void retriesExhausted() {
    long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/me/messages", Answer.fixture(400, "error_graph_4_app_rate_limit.json"));
    graph.enqueue("POST", "/me/messages", Answer.fixture(400, "error_messenger_613_rate_limit.json"));
    graph.enqueue("POST", "/me/messages", Answer.fixture(400, "error_messenger_613_rate_limit.json"));
    long m = id(post(conv, reply("never goes")));
    awaitStatus(db, m, "failed");
    assertThat(graph.calls("POST", "/me/messages")).hasSize(3);
    JsonObject r = row(db, m);
    assertThat(r.getString("error_code")).isEqualTo("613");
    assertThat(r.getString("error_message")).contains("(#613) Calls to this api have exceeded the rate limit.");
    List<JsonObject> updated = events(node, account.accountId(), "message.updated", conv);
    assertThat(updated.get(updated.size() - 1).getJsonObject("data").getJsonObject("error").getString("code")).isEqualTo("613");
  }

  @Test
  @DisplayName("a permanent error fails at once with the platform's message; a window error fails as window_closed")
  void permanentAndWindowErrors() {
    long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/me/messages", Answer.fixture(400, "error_messenger_551_1545041_unavailable.json"));
    long m = id(post(conv, reply("anyone?")));
    awaitStatus(db, m, "failed");
    assertThat(row(db, m).getString("error_code")).isEqualTo("551");
    assertThat(row(db, m).getString("error_message")).isEqualTo("(#551) This person isn't available right now.");
    assertThat(graph.calls()).hasSize(1);

    long wa = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.fixture(400, "error_whatsapp_131047_window_expired.json"));
    long w = id(post(wa, reply("platform says no")));
    awaitStatus(db, w, "failed");
    assertThat(row(db, w).getString("error_code")).isEqualTo("window_closed");
    assertThat(row(db, w).getString("error_message")).contains("131047");

    long ig = conversation(db, account.accountId(), instagram, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/me/messages", Answer.fixture(400, "error_instagram_10_2534022_window.json"));
    long i = id(post(ig, reply("ig says no")));
    awaitStatus(db, i, "failed");
    assertThat(row(db, i).getString("error_code")).isEqualTo("window_closed");
  }

  @Test
  @DisplayName("an invalid token (190) fails the message and marks the channel as needing attention")
  void tokenInvalid() {
    long channel = Seed.channel(db, account.accountId(), "whatsapp", "999000111");
    long conv = conversation(db, account.accountId(), channel, uniqueUser(), ago(Duration.ofMinutes(3)));
    graph.enqueue("POST", "/999000111/messages", Answer.fixture(401, "error_whatsapp_190_invalid_token.json"));
    long m = id(post(conv, reply("hello")));
    awaitStatus(db, m, "failed");
    assertThat(row(db, m).getString("error_code")).isEqualTo("190");
    // the channel is marked in the transaction after the message's: awaited, not read once
    Await.passes(Duration.ofSeconds(10),
        () -> assertThat(count("SELECT count(*) FROM channels WHERE id = ? AND needs_attention IS NOT NULL", channel)).isEqualTo(1));
    assertThat(graph.calls()).hasSize(1);
    JsonObject listed = http.get("/api/v1/channels").items().stream().map(o -> (JsonObject) o)
        .filter(c -> c.getString("id").equals(String.valueOf(channel))).findFirst().orElseThrow();
    assertThat(listed.getString("needsAttention")).contains("Invalid OAuth access token");
  }

  @Test
  @DisplayName("an invalid token (190) on the template list marks the channel as needing attention and tells the inbox, as a send does")
  void templateTokenInvalid() {
    long channel = Seed.channel(db, account.accountId(), "whatsapp", "999000222");
    Seed.insert(db, "UPDATE channels SET waba_id = '555000222' WHERE id = ? RETURNING id", channel);
    graph.enqueue("GET", "/555000222/message_templates", Answer.fixture(401, "error_whatsapp_190_invalid_token.json"));
    Http.Res list = http.get("/api/v1/channels/" + channel + "/templates");
    assertThat(list.status()).isEqualTo(502);
    assertThat(list.errorCode()).isEqualTo("channel_token_invalid");
    assertThat(count("SELECT count(*) FROM channels WHERE id = ? AND needs_attention LIKE '%Invalid OAuth access token%'", channel))
        .isEqualTo(1);
    boolean told = http.get("/api/v1/events?limit=200").items().stream().map(o -> (JsonObject) o)
        .anyMatch(e -> "channel.updated".equals(e.getString("type"))
            && String.valueOf(channel).equals(e.getJsonObject("data").getString("id"))
            && e.getJsonObject("data").getString("needsAttention").contains("Invalid OAuth access token"));
    assertThat(told).as("channel.updated for the channel in the event log").isTrue();
  }

  @Test
  @DisplayName("the same Idempotency-Key twice answers the same message (201 then 200) and sends once")
  void idempotency() {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    Map<String, String> key = Map.of("Idempotency-Key", "double-click-1");
    Http.Res first = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", reply("once"), key);
    Http.Res second = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", reply("once"), key);
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json().getString("id")).isEqualTo(first.json().getString("id"));
    awaitStatus(db, id(first), "sent");
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(1);
    Http.Res third = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", reply("once"), key);
    assertThat(third.json().getString("status")).isEqualTo("sent");
    assertThat(graph.calls()).hasSize(1);

    long other = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    assertThat(http.send(HttpMethod.POST, "/api/v1/conversations/" + other + "/messages", reply("once"), key).status()).isEqualTo(409);
  }

  @Test
  @DisplayName("an Idempotency-Key older than 24 h no longer replays: the request is new")
  void idempotencyExpires() {
    Map<String, String> key = Map.of("Idempotency-Key", "yesterday-" + System.nanoTime());
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    Http.Res first = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "n"), key);
    clock.advance(Duration.ofHours(23));
    Http.Res replay = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "n"), key);
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json().getString("id")).isEqualTo(first.json().getString("id"));
    clock.advance(Duration.ofHours(1));
    Http.Res fresh = http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "n"), key);
    assertThat(fresh.status()).isEqualTo(201);
    assertThat(fresh.json().getString("id")).isNotEqualTo(first.json().getString("id"));
  }

  @Test
  @DisplayName("concurrent requests with one Idempotency-Key store one message")
  void idempotencyConcurrent() throws Exception {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    Map<String, String> key = Map.of("Idempotency-Key", "race-" + conv);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Http.Res>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(pool.submit(() -> http.send(HttpMethod.POST, "/api/v1/conversations/" + conv + "/messages", reply("racing"), key)));
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (var f : all) {
        Http.Res r = f.get();
        assertThat(r.status()).isIn(200, 201);
        ids.add(r.json().getString("id"));
      }
      assertThat(ids).hasSize(1);
    } finally {
      pool.shutdown();
    }
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(1);
  }

  @Test
  @DisplayName("texts over the platform limit answer 422 text_too_long (Instagram 1000 characters)")
  void textTooLong() {
    long ig = conversation(db, account.accountId(), instagram, uniqueUser(), ago(Duration.ofMinutes(3)));
    Http.Res r = post(ig, reply("x".repeat(1001)));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("text_too_long");
    assertThat(post(ig, reply("x".repeat(1000))).status()).isEqualTo(201);
    long ms = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    assertThat(post(ms, reply("y".repeat(2001))).errorCode()).isEqualTo("text_too_long");
  }

  @Test
  @DisplayName("bad requests: unknown type 400, no text 400, another account's conversation 404")
  void badRequests() {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    assertThat(post(conv, new JsonObject().put("type", "shout").put("text", "x")).status()).isEqualTo(400);
    assertThat(post(conv, new JsonObject().put("type", "reply")).errorCode()).isEqualTo("missing_field");
    assertThat(post(conv, new JsonObject().put("type", "reply").put("text", "x")
        .put("attachments", new JsonArray().add(new JsonObject().put("url", "ftp://x").put("mimeType", "image/png")))).status()).isEqualTo(400);
    Seed.Account other = Seed.account(db, "Other Co");
    long foreignChannel = Seed.channel(db, other.accountId(), "whatsapp", "555000999");
    long foreign = conversation(db, other.accountId(), foreignChannel, uniqueUser(), ago(Duration.ofMinutes(3)));
    assertThat(post(foreign, reply("hi")).status()).isEqualTo(404);
    assertThat(post(999_999_999L, reply("hi")).status()).isEqualTo(404);
    assertThat(http.post("/api/v1/conversations/abc/messages", reply("hi")).status()).isEqualTo(404);
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id IN (?, ?)", conv, foreign)).isZero();
  }

  @Test
  @DisplayName("attachments: WhatsApp captions the document; Messenger sends the text, then the image, in order")
  void attachments() {
    long wa = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofMinutes(3)));
    Http.Res r = post(wa, reply("Return authorisation").put("attachments", new JsonArray().add(new JsonObject()
        .put("url", "https://files.example.com/returns/RMA-1042.pdf").put("mimeType", "application/pdf").put("filename", "RMA-1042.pdf"))));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("contentType")).isEqualTo("document");
    awaitStatus(db, id(r), "sent");
    JsonObject doc = graph.calls("POST", "/" + PHONE_ID).get(0).json();
    assertThat(doc.getJsonObject("document")).isEqualTo(Fixtures.json("send_request_whatsapp_document.json").getJsonObject("document"));

    long ms = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    Http.Res two = post(ms, reply("Here is your label").put("attachments", new JsonArray().add(new JsonObject()
        .put("url", "https://files.example.com/img/label.png").put("mimeType", "image/png"))));
    assertThat(two.status()).isEqualTo(201);
    assertThat(two.json().getJsonArray("more")).hasSize(1);
    long image = Long.parseLong(two.json().getJsonArray("more").getJsonObject(0).getString("id"));
    awaitStatus(db, image, "sent");
    List<FakeGraph.Call> calls = graph.calls("POST", "/me/messages");
    assertThat(calls.get(0).json().getJsonObject("message").getString("text")).isEqualTo("Here is your label");
    assertThat(calls.get(1).json().getJsonObject("message").getJsonObject("attachment"))
        .isEqualTo(Fixtures.json("send_request_messenger_attachment_url.json").getJsonObject("message").getJsonObject("attachment"));
  }

  @Test
  @DisplayName("an attachment's URL is at most 2,048 characters without raw spaces, its MIME type RFC 6838's type/subtype, its file name "
      + "one line of at most 255: 422 invalid_attachment (or invalid_name) naming the attachment, nothing stored")
  void attachmentFieldsAreBounded() {
    long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    String url = "https://files.example.com/a.png";
    JsonObject fine = new JsonObject().put("url", url).put("mimeType", "image/png");
    record Case(JsonObject attachment, String code, String names) { }
    List<Case> cases = List.of(
        new Case(fine.copy().put("url", "https://files.example.com/" + "u".repeat(2049 - 26)), "invalid_attachment", "attachments[1].url"),
        new Case(fine.copy().put("url", "https://files.example.com/a b.png"), "invalid_attachment", "attachments[1].url"),
        new Case(fine.copy().put("mimeType", "image/" + "p".repeat(300)), "invalid_attachment", "attachments[1].mimeType"),
        new Case(fine.copy().put("mimeType", "image/png\r\nX-Injected: 1"), "invalid_attachment", "attachments[1].mimeType"),
        new Case(fine.copy().put("mimeType", "<b>/png"), "invalid_attachment", "attachments[1].mimeType"),
        new Case(fine.copy().put("filename", "f".repeat(252) + ".png"), "invalid_name", "attachments[1].filename"),
        new Case(fine.copy().put("filename", "f".repeat(500_000) + ".png"), "invalid_name", "attachments[1].filename"),
        new Case(fine.copy().put("filename", "two\nlines.png"), "invalid_name", "attachments[1].filename"),
        new Case(new JsonObject().put("mediaId", "1").put("filename", "g".repeat(256)), "invalid_name", "attachments[1].filename"));
    for (String type : List.of("reply", "note")) {
      for (Case c : cases) {
        Http.Res r = post(conv, new JsonObject().put("type", type).put("text", "see file")
            .put("attachments", new JsonArray().add(fine).add(c.attachment())));
        assertThat(r.status()).as(type + " " + c.names() + ": " + r.text()).isEqualTo(422);
        assertThat(r.errorCode()).as(r.text()).isEqualTo(c.code());
        assertThat(r.json().getJsonObject("error").getString("message")).startsWith(c.names());
      }
    }
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isZero();
    // at the bounds: kept as sent, the MIME type in lower case
    Http.Res kept = post(conv, new JsonObject().put("type", "note").put("text", "see file").put("attachments", new JsonArray()
        .add(fine.copy().put("url", "https://files.example.com/" + "u".repeat(2048 - 26)).put("mimeType", "Image/PNG")
            .put("filename", "f".repeat(251) + ".png"))));
    assertThat(kept.status()).as(kept.text()).isEqualTo(201);
    JsonObject stored = kept.json().getJsonArray("attachments").getJsonObject(0);
    assertThat(stored.getString("url")).hasSize(2048);
    assertThat(stored.getString("mimeType")).isEqualTo("image/png");
    assertThat(stored.getString("filename")).hasSize(255);
    // a type with parameters is kept without them
    Http.Res voice = post(conv, new JsonObject().put("type", "note").put("text", "voice").put("attachments", new JsonArray()
        .add(fine.copy().put("mimeType", "audio/ogg; codecs=opus"))));
    assertThat(voice.status()).as(voice.text()).isEqualTo(201);
    assertThat(voice.json().getJsonArray("attachments").getJsonObject(0).getString("mimeType")).isEqualTo("audio/ogg");
  }

  @Test
  @DisplayName("template parameters: at most 200, each at most 1,024 characters (WhatsApp's body limit) without control characters; "
      + "refused before the template list is asked for, nothing stored")
  void templateParametersAreBounded() {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), ago(Duration.ofDays(3)));
    String path = "/api/v1/conversations/" + conv + "/template";
    JsonObject body = new JsonObject().put("name", "order_update").put("language", "en_US");
    JsonArray many = new JsonArray();
    for (int i = 0; i < 201; i++) {
      many.add("p" + i);
    }
    Http.Res tooMany = http.post(path, body.copy().put("parameters", many));
    assertThat(tooMany.status()).as(tooMany.text()).isEqualTo(422);
    assertThat(tooMany.errorCode()).isEqualTo("invalid_parameters");
    Http.Res tooLong = http.post(path, body.copy().put("parameters", new JsonArray().add("ok").add("x".repeat(1025))));
    assertThat(tooLong.status()).as(tooLong.text()).isEqualTo(422);
    assertThat(tooLong.errorCode()).isEqualTo("text_too_long");
    assertThat(tooLong.json().getJsonObject("error").getString("message")).startsWith("parameters[1]").contains("1024");
    Http.Res control = http.post(path, body.copy().put("parameters", new JsonArray().add("a\u0007b")));
    assertThat(control.status()).as(control.text()).isEqualTo(422);
    assertThat(control.errorCode()).isEqualTo("invalid_text");
    assertThat(graph.calls("GET", "/104857600123456/message_templates")).isEmpty();
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isZero();
  }

  @Test
  @DisplayName("messages of one conversation go out in order: the second waits while the first is in flight")
  void orderPerConversation() throws InterruptedException {
    // the second reply must be queued while the first is in flight (1.5 s at the fake Graph): on a
    // machine so slow that queueing it took longer, the attempt proves nothing and runs again
    for (int attempt = 1; ; attempt++) {
      long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
      graph.enqueue("POST", "/me/messages", new Answer(200, new JsonObject().put("message_id", "m_slow_" + conv).encode(), 1500));
      long first = id(post(conv, reply("first " + conv)));
      assertThat(graph.next(5000)).isNotNull();
      long inFlightSince = System.nanoTime();
      long second = id(post(conv, reply("second " + conv)));
      boolean queuedInTime = System.nanoTime() - inFlightSince < 800_000_000L;
      if (queuedInTime) {
        assertThat(graph.next(500)).as("the second must wait for the first").isNull();
        assertThat(SendSupport.status(db, second)).isEqualTo("pending");
      }
      awaitStatus(db, second, "sent");
      assertThat(SendSupport.status(db, first)).isEqualTo("sent");
      List<String> sent = graph.calls("POST", "/me/messages").stream().map(c -> c.json().getJsonObject("message").getString("text"))
          .filter(t -> t.endsWith(" " + conv)).toList();
      assertThat(sent).containsExactly("first " + conv, "second " + conv);
      if (queuedInTime) {
        return;
      }
      assertThat(attempt).as("the second reply was never queued while the first was in flight").isLessThan(3);
      graph.next(100);
    }
  }

  @Test
  @DisplayName("an echo stored before the send result is replaced by our message; one stored after is refused by the unique key")
  void echoesAppearOnce() {
    long conv = conversation(db, account.accountId(), messenger, uniqueUser(), ago(Duration.ofMinutes(3)));
    String mid = "m_echo_first_" + conv;
    Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, external_id) "
        + "VALUES (?, ?, ?, 'out', 'echo', 'text', 'echo text', 'external', 'sent', ?) RETURNING id", account.accountId(), conv, messenger, mid);
    graph.enqueue("POST", "/me/messages", Answer.json(200, new JsonObject().put("recipient_id", "x").put("message_id", mid)));
    long m = id(post(conv, reply("echo race")));
    awaitStatus(db, m, "sent");
    assertThat(row(db, m).getString("external_id")).isEqualTo(mid);
    assertThat(count("SELECT count(*) FROM messages WHERE channel_id = ? AND external_id = ?", messenger, mid)).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ? AND type = 'echo'", conv)).isZero();

    String mid2 = "m_echo_after_" + conv;
    graph.enqueue("POST", "/me/messages", Answer.json(200, new JsonObject().put("recipient_id", "x").put("message_id", mid2)));
    long m2 = id(post(conv, reply("echo later")));
    awaitStatus(db, m2, "sent");
    long inserted = count("WITH ins AS (INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, "
        + "sender_type, status, external_id) VALUES (?, ?, ?, 'out', 'echo', 'text', 'echo text', 'external', 'sent', ?) "
        + "ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING 1) SELECT count(*) FROM ins",
        account.accountId(), conv, messenger, mid2);
    assertThat(inserted).isZero();
    assertThat(count("SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(2);
  }
}
