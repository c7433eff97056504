package dev.switchboard.outbound;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.FakeGraph.Answer;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static dev.switchboard.outbound.SendSupport.awaitStatus;
import static dev.switchboard.outbound.SendSupport.row;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Replies to WhatsApp customers go to the phone when known, else to the BSUID; WhatsApp's errors are explained")
class WhatsAppBsuidSendTest {

  static final String PHONE_ID = "118812345678901";
  static final String WABA = "104857600123456";
  static final String B = "US.8F3K2LQZ7WXC91HD0P5MTA";
  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static TestNode node;
  static Http http;
  static Seed.Account account;
  static long whatsapp;
  static long messenger;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    vertx = Vertx.vertx();
    graph = FakeGraph.start(vertx);
    node = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject()
        .put("GRAPH_API_URL", graph.url())
        .put("GRAPH_RETRY_BASE_MS", 20)
        .put("GRAPH_MAX_ATTEMPTS", 3)
        .put("GRAPH_TIMEOUT_MS", 2000)
        .put("OUTBOUND_POLL_MS", 50));
    account = Seed.account(db, "Bsuid Co");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    Seed.insert(db, "UPDATE channels SET waba_id = ? WHERE id = ? RETURNING id", WABA, whatsapp);
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
    http = new Http(node.vertx, node.baseUrl()).as(SendSupport.token(new Http(node.vertx, node.baseUrl()), account));
  }

  @AfterAll
  static void stop() {
    http.close();
    node.close();
    graph.close();
    vertx.close().await();
    db.drop();
  }

  @BeforeEach
  void answers() {
    graph.reset();
    SendSupport.defaultAnswers(graph);
  }

  /** A WhatsApp conversation whose customer wrote a minute ago: BSUID and/or phone. */
  static long conversation(long channel, String bsuid, String phone) {
    String key = bsuid != null ? bsuid : phone;
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, bsuid, wa_id, phone, username) "
        + "VALUES (?, ?, ?, ?, ?, ?, 'robin_sails') RETURNING id", account.accountId(), channel, key, bsuid, phone, phone);
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, last_inbound_at) VALUES (?, ?, ?, ?) RETURNING id",
        account.accountId(), channel, contact, OffsetDateTime.ofInstant(Instant.now().minusSeconds(60), ZoneOffset.UTC));
  }

  static String freshBsuid() {
    return "US.S" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  static String freshPhone() {
    return "1415" + (5_000_000 + (long) (Math.random() * 4_000_000));
  }

  static long reply(long conv, String text) {
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "reply").put("text", text));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return Long.parseLong(r.json().getString("id"));
  }

  static List<FakeGraph.Call> sends() {
    return graph.calls("POST", "/" + PHONE_ID + "/messages");
  }

  @Test
  @DisplayName("no phone: the reply goes with \"recipient\": <BSUID> (no \"to\"), and a response with user_id and no wa_id records the wamid")
  void toBsuid() {
    long conv = conversation(whatsapp, B, null);
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.ok("send_response_whatsapp_user_id.json"));
    long id = reply(conv, "Yes, we ship to Canada.");
    awaitStatus(db, id, "sent");
    assertThat(sends()).hasSize(1);
    assertThat(sends().get(0).json()).isEqualTo(Fixtures.json("send_request_whatsapp_text_user_id.json"));
    assertThat(row(db, id).getString("external_id")).isEqualTo(Fixtures.json("send_response_whatsapp_user_id.json")
        .getJsonArray("messages").getJsonObject(0).getString("id"));
  }

  /** Graph's answer to a send to {@code phone}, naming the customer's BSUID as Meta does. */
  static Answer answerWithBsuid(String phone, String bsuid) {
    return Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
        .put("contacts", new JsonArray().add(new JsonObject().put("input", phone).put("wa_id", phone).put("user_id", bsuid)))
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.learn-" + UUID.randomUUID()))));
  }

  /** A reply to {@code conv} that Graph answers naming {@code bsuid} for {@code phone}, once sent. */
  static long sentAnswering(long conv, String phone, String bsuid, String text) {
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", answerWithBsuid(phone, bsuid));
    long id = reply(conv, text);
    awaitStatus(db, id, "sent");
    return id;
  }

  static long contactOf(long conv) {
    return Seed.scalar(db, "SELECT contact_id FROM conversations WHERE id = ?", conv);
  }

  @Test
  @DisplayName("a send to a phone whose answer names the BSUID: the contact keeps it (becomes its key) and the inbox hears contact.updated")
  void sendResponseTeachesBsuid() {
    String phone = freshPhone();
    String bsuid = freshBsuid();
    long conv = conversation(whatsapp, null, phone);
    long contact = contactOf(conv);
    sentAnswering(conv, phone, bsuid, "Your order is on its way.");
    SendSupport.eventually(5_000, () -> Seed.scalar(db, "SELECT count(*) FROM contacts WHERE id = ? AND bsuid = ? AND platform_user_id = ? "
        + "AND wa_id = ? AND phone = ?", contact, bsuid, bsuid, phone, phone) == 1, () -> "the BSUID on contact " + contact);
    SendSupport.eventually(5_000, () -> SendSupport.events(node, account.accountId(), "contact.updated", conv).stream()
        .anyMatch(e -> bsuid.equals(e.getJsonObject("data").getString("userId"))), () -> "contact.updated with the BSUID");
    // replies still go to the phone; the next one's answer changes nothing
    sentAnswering(conv, phone, bsuid, "again");
    assertThat(sends().get(sends().size() - 1).json().getString("to")).isEqualTo(phone);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE channel_id = ? AND (bsuid = ? OR wa_id = ?)", whatsapp, bsuid, phone)).isEqualTo(1);
  }

  @Test
  @DisplayName("the BSUID from a send answer already has a contact: the two merge into the older one, never a duplicate")
  void sendResponseMerges() {
    String phone = freshPhone();
    String bsuid = freshBsuid();
    long older = conversation(whatsapp, bsuid, null);
    long byPhone = conversation(whatsapp, null, phone);
    long id = sentAnswering(byPhone, phone, bsuid, "Found you by phone");
    SendSupport.eventually(5_000, () -> Seed.scalar(db, "SELECT count(*) FROM contacts WHERE channel_id = ? AND (bsuid = ? OR wa_id = ? "
        + "OR platform_user_id IN (?, ?))", whatsapp, bsuid, phone, bsuid, phone) == 1, () -> "one contact");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE bsuid = ? AND wa_id = ? AND id = ?", bsuid, phone, contactOf(older))).isEqualTo(1);
    assertThat(Seed.scalar(db, "SELECT conversation_id FROM messages WHERE id = ?", id)).isEqualTo(older);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM conversations WHERE id = ?", byPhone)).isZero();
    SendSupport.eventually(5_000, () -> SendSupport.events(node, account.accountId(), "conversation.merged", byPhone).stream()
        .anyMatch(e -> String.valueOf(older).equals(e.getJsonObject("data").getString("into"))), () -> "conversation.merged");
  }

  @Test
  @DisplayName("a contact that has a BSUID keeps it whatever a send answer says")
  void sendResponseKeepsExistingBsuid() {
    String phone = freshPhone();
    String mine = freshBsuid();
    long conv = conversation(whatsapp, mine, phone);
    sentAnswering(conv, phone, freshBsuid(), "hello");
    // the outbox finishes a batch (answers included) before claiming the next message: once that is sent, the first answer was handled
    awaitStatus(db, reply(conv, "hello again"), "sent");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE id = ? AND bsuid = ? AND platform_user_id = ?", contactOf(conv), mine, mine))
        .isEqualTo(1);
  }

  @Test
  @DisplayName("phone and BSUID known: the reply goes to the phone")
  void toPhone() {
    String phone = freshPhone();
    long id = reply(conversation(whatsapp, freshBsuid(), phone), "Hello");
    awaitStatus(db, id, "sent");
    JsonObject body = sends().get(0).json();
    assertThat(body.getString("to")).isEqualTo(phone);
    assertThat(body.containsKey("recipient")).isFalse();
  }

  @Test
  @DisplayName("the fake Graph refuses a BSUID in \"to\" and a phone in \"recipient\", as Graph does")
  void fakeGraphChecksAddressing() {
    try (Http direct = new Http(vertx, graph.url())) {
      Http.Res badTo = direct.post("/" + PHONE_ID + "/messages", new JsonObject()
          .put("messaging_product", "whatsapp").put("to", B).put("type", "text"));
      assertThat(badTo.status()).isEqualTo(400);
      Http.Res badRecipient = direct.post("/" + PHONE_ID + "/messages", new JsonObject()
          .put("messaging_product", "whatsapp").put("recipient", "14155550123").put("type", "text"));
      assertThat(badRecipient.status()).isEqualTo(400);
    }
  }

  static void templates() {
    graph.respond("GET", "/" + WABA + "/message_templates", Answer.json(200, new JsonObject().put("data", new JsonArray()
        .add(new JsonObject().put("name", "login_code").put("language", "en_US").put("status", "APPROVED").put("category", "AUTHENTICATION")
            .put("components", new JsonArray()
                .add(new JsonObject().put("type", "BODY").put("text", "{{1}} is your verification code."))
                .add(new JsonObject().put("type", "BUTTONS").put("buttons", new JsonArray()
                    .add(new JsonObject().put("type", "OTP").put("otp_type", "COPY_CODE").put("text", "Copy code"))))))
        .add(new JsonObject().put("name", "order_update").put("language", "en_US").put("status", "APPROVED").put("category", "UTILITY")
            .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", "Order {{1}} shipped.")))))));
  }

  @Test
  @DisplayName("a template with a code button is refused before sending when only a BSUID is known; other templates go to the BSUID")
  void templateNeedsPhone() {
    templates();
    long conv = conversation(whatsapp, freshBsuid(), null);
    Http.Res refused = http.post("/api/v1/conversations/" + conv + "/template", new JsonObject()
        .put("name", "login_code").put("language", "en_US").put("parameters", new JsonArray().add("123456")));
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.errorCode()).isEqualTo("phone_required");
    assertThat(refused.json().getJsonObject("error").getString("message")).contains("phone number");
    assertThat(SendSupport.events(node, account.accountId(), "message.created", conv)).isEmpty();
    Http.Res ok = http.post("/api/v1/conversations/" + conv + "/template", new JsonObject()
        .put("name", "order_update").put("language", "en_US").put("parameters", new JsonArray().add("#1042")));
    assertThat(ok.status()).as(ok.text()).isEqualTo(201);
    awaitStatus(db, Long.parseLong(ok.json().getString("id")), "sent");
    assertThat(sends()).hasSize(1);
    assertThat(sends().get(0).json().getString("recipient")).startsWith("US.S");
    // with a phone the code template goes
    Http.Res withPhone = http.post("/api/v1/conversations/" + conversation(whatsapp, freshBsuid(), freshPhone()) + "/template",
        new JsonObject().put("name", "login_code").put("language", "en_US").put("parameters", new JsonArray().add("123456")));
    assertThat(withPhone.status()).as(withPhone.text()).isEqualTo(201);
    // sent before the next test queues its answers
    awaitStatus(db, Long.parseLong(withPhone.json().getString("id")), "sent");
  }

  /** One reply answered by the Graph error sample; the stored failure. */
  static JsonObject failsWith(String errorFixture) {
    graph.respond("POST", "/" + PHONE_ID + "/messages", Answer.fixture(400, errorFixture));
    long id = reply(conversation(whatsapp, freshBsuid(), null), "Our spring sale starts today!");
    awaitStatus(db, id, "failed");
    return row(db, id);
  }

  @Test
  @DisplayName("131049, 131050 and 131062 fail at once (no retry) with the reason in the agent's words and the platform's code")
  void permanentErrors() {
    JsonObject held = failsWith("error_whatsapp_131049_ecosystem_engagement.json");
    assertThat(held.getString("error_code")).isEqualTo("131049");
    assertThat(held.getString("error_message")).startsWith("WhatsApp held back this marketing message");
    assertThat(held.getString("attempts")).isEqualTo("1");
    JsonObject stopped = failsWith("error_whatsapp_131050_marketing_stopped.json");
    assertThat(stopped.getString("error_code")).isEqualTo("131050");
    assertThat(stopped.getString("error_message")).contains("stopped marketing messages");
    assertThat(stopped.getString("attempts")).isEqualTo("1");
    JsonObject noPhone = failsWith("error_whatsapp_131062_bsuid_not_allowed.json");
    assertThat(noPhone.getString("error_code")).isEqualTo("131062");
    assertThat(noPhone.getString("error_message")).contains("known only by their WhatsApp username");
  }

  @Test
  @DisplayName("131056 (pair rate) backs off that customer only: another customer's reply goes meanwhile")
  void pairRateLimit() {
    String slowCustomer = freshBsuid();
    long slow = conversation(whatsapp, slowCustomer, null);
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.fixture(400, "error_whatsapp_131056_pair_rate_limit.json"));
    long first = reply(slow, "one");
    SendSupport.eventually(5_000, () -> sends().stream().anyMatch(c -> slowCustomer.equals(c.json().getString("recipient"))),
        () -> "first attempt");
    SendSupport.eventually(5_000, () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE id = ? AND status = 'pending' "
        + "AND next_attempt_at > now() + interval '4 seconds'", first) == 1, () -> "backed off: " + row(db, first));
    long other = reply(conversation(whatsapp, freshBsuid(), null), "other customer");
    awaitStatus(db, other, "sent");
    assertThat(row(db, first).getString("status")).isEqualTo("pending");
    awaitStatus(db, first, "sent");
  }

  @Test
  @DisplayName("130429 (throughput) backs off the whole channel: another customer's reply waits too")
  void throughputLimit() throws InterruptedException {
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.fixture(400, "error_whatsapp_130429_throughput.json"));
    long first = reply(conversation(whatsapp, freshBsuid(), null), "one");
    assertThat(graph.next(5_000)).isNotNull();
    long limitedAt = System.nanoTime();
    long other = reply(conversation(whatsapp, freshBsuid(), null), "other customer");
    FakeGraph.Call next = graph.next(5_000);
    assertThat(next).isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - limitedAt)).isGreaterThan(Duration.ofMillis(700));
    awaitStatus(db, other, "sent");
    awaitStatus(db, first, "sent");
  }

  @Test
  @DisplayName("\"Request phone number\" sends WhatsApp's request_contact_info to a customer without a phone; refused where a phone is known or off WhatsApp")
  void requestPhone() {
    long conv = conversation(whatsapp, B + "RQ", null);
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/request-phone", null);
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.json().getString("contentType")).isEqualTo("request_contact_info");
    awaitStatus(db, Long.parseLong(r.json().getString("id")), "sent");
    JsonObject expected = Fixtures.json("send_request_whatsapp_request_contact_info.json").put("recipient", B + "RQ");
    assertThat(sends().get(0).json()).isEqualTo(expected);
    Http.Res known = http.post("/api/v1/conversations/" + conversation(whatsapp, freshBsuid(), freshPhone()) + "/request-phone", null);
    assertThat(known.status()).isEqualTo(422);
    assertThat(known.errorCode()).isEqualTo("phone_known");
    Http.Res onMessenger = http.post("/api/v1/conversations/" + conversation(messenger, null, "7423918830164025") + "/request-phone", null);
    assertThat(onMessenger.status()).isEqualTo(422);
    try (Http anonymous = new Http(node.vertx, node.baseUrl())) {
      assertThat(anonymous.post("/api/v1/conversations/" + conv + "/request-phone", null).status()).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("a status with only recipient_user_id and pricing that beats our own 'sent' still leaves its pricing on the message")
  void earlyStatusKeepsPricing() throws InterruptedException {
    long conv = conversation(whatsapp, B + "EARLY", null);
    String wamid = "wamid.early-pricing-" + UUID.randomUUID();
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", new Answer(200, new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("id", wamid))).encode(), 1500));
    long id = reply(conv, "racing my status");
    assertThat(graph.next(5000)).isNotNull();
    JsonObject status = Fixtures.json("whatsapp_status_sent_user_id_only.json");
    status.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("statuses").getJsonObject(0).put("id", wamid).put("recipient_user_id", B + "EARLY");
    try (Http meta = new Http(node.vertx, node.baseUrl())) {
      assertThat(meta.signedWebhook("whatsapp", status.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8)).status()).isEqualTo(200);
    }
    SendSupport.eventually(10_000, () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE id = ? AND status = 'sent' "
        + "AND pricing->>'category' = 'service'", id) == 1, () -> "pricing on " + row(db, id));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM early_statuses WHERE wamid = ?", wamid)).isZero();
  }
}
