package dev.switchboard.outbound;

import dev.switchboard.support.FakeGraph.Answer;
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

import static dev.switchboard.outbound.SendSupport.awaitStatus;
import static dev.switchboard.outbound.SendSupport.conversation;
import static dev.switchboard.outbound.SendSupport.eventually;
import static dev.switchboard.outbound.SendSupport.row;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Sends meet the webhooks: customer messages open the window, statuses and echoes land on the sent message once")
class SendWebhookTest {

  static final String PHONE_ID = "118812345678901";
  static final String PAGE_ID = "361442187745120";
  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static TestNode node;
  static Http http;
  static Http api;
  static Seed.Account account;
  static long whatsapp;
  static long messenger;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("OUTBOUND_POLL_MS", 100)
      .put("PROCESSOR_SWEEP_MS", 100)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    node = env.node();
    account = Seed.account(db, "Hooks Co");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    messenger = Seed.channel(db, account.accountId(), "messenger", PAGE_ID);
    http = env.http();
    api = http.as(SendSupport.token(http, account));
  }

  @BeforeEach
  void answers() {
    graph.reset();
    SendSupport.defaultAnswers(graph);
  }

  static void webhook(String platform, JsonObject body) {
    Webhooks.post(http, platform, body);
  }

  static JsonObject waStatus(String wamid, String status) {
    return Webhooks.whatsappStatus("whatsapp_status_delivered.json", wamid, null, status);
  }

  static long reply(long conversationId, String text) {
    Http.Res r = api.post("/api/v1/conversations/" + conversationId + "/messages", new JsonObject().put("type", "reply").put("text", text));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return Long.parseLong(r.json().getString("id"));
  }

  @Test
  @DisplayName("a customer's WhatsApp message opens the window (and schedules its timer); the reply goes out; statuses move it to read and never back")
  void whatsappRoundTrip() {
    webhook("whatsapp", Webhooks.whatsappMessage("whatsapp_text.json", "14155550123", null, "wamid.inbound-roundtrip", Instant.now(), m -> { }));
    eventually(10_000, () -> Seed.scalar(db, "SELECT count(*) FROM conversations WHERE channel_id = ? AND last_inbound_at IS NOT NULL", whatsapp) == 1,
        () -> "the processor to store the conversation");
    long conv = Seed.scalar(db, "SELECT id FROM conversations WHERE channel_id = ?", whatsapp);
    var redis = node.node.services().redis();
    eventually(5_000, () -> redis.api().zscore(new dev.switchboard.window.WindowTimer(redis, null, node.node.services().events().partitions()).key(conv), conv + ":standard").await() != null,
        () -> "the window timer to be scheduled by the inbound hook");

    graph.enqueue("POST", "/" + PHONE_ID + "/messages", Answer.json(200, new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.roundtrip-out")))));
    long m = reply(conv, "Yes, it shipped today.");
    awaitStatus(db, m, "sent");
    assertThat(graph.calls("POST", "/" + PHONE_ID).get(0).json().getString("to")).isEqualTo("14155550123");

    webhook("whatsapp", waStatus("wamid.roundtrip-out", "read"));
    awaitStatus(db, m, "read");
    webhook("whatsapp", waStatus("wamid.roundtrip-out", "delivered"));
    eventually(10_000, () -> Seed.scalar(db, "SELECT count(*) FROM raw_events WHERE status = 'pending'") == 0, () -> "processing");
    assertThat(SendSupport.status(db, m)).as("a late delivered never undoes read").isEqualTo("read");
  }

  @Test
  @DisplayName("a WhatsApp status that arrives before the send is recorded is applied when the wamid is stored")
  void statusBeforeSentIsRecorded() throws InterruptedException {
    long conv = conversation(db, account.accountId(), whatsapp, "14155550999", Instant.now().minus(Duration.ofMinutes(2)));
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", new Answer(200, new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.early-status"))).encode(), 1500));
    long m = reply(conv, "racing my own status");
    assertThat(graph.next(5000)).isNotNull();
    webhook("whatsapp", waStatus("wamid.early-status", "delivered"));
    eventually(5_000, () -> Seed.scalar(db, "SELECT count(*) FROM early_statuses WHERE wamid = 'wamid.early-status'") == 1,
        () -> "the early status to be kept");
    awaitStatus(db, m, "delivered");
    assertThat(row(db, m).getString("external_id")).isEqualTo("wamid.early-status");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM early_statuses WHERE wamid = 'wamid.early-status'")).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM dead_letters WHERE external_id = 'wamid.early-status'")).isZero();
  }

  static JsonObject echo(String customer, String mid) {
    return Webhooks.messaging("messenger_echo.json", customer, mid, true, m -> { });
  }

  @Test
  @DisplayName("a Messenger echo of our send, before or after the send result, leaves one message: ours")
  void echoesThroughTheProcessor() throws InterruptedException {
    String customer = "7423918830164025";
    long conv = conversation(db, account.accountId(), messenger, customer, Instant.now().minus(Duration.ofMinutes(2)));

    // echo after the result
    graph.enqueue("POST", "/me/messages", Answer.json(200, new JsonObject().put("recipient_id", customer).put("message_id", "m_echo_after")));
    long first = reply(conv, "first");
    awaitStatus(db, first, "sent");
    webhook("messenger", echo(customer, "m_echo_after"));
    eventually(10_000, () -> Seed.scalar(db, "SELECT count(*) FROM raw_events WHERE status = 'pending'") == 0, () -> "processing");

    // echo before the result: Meta's answer is slow, the echo webhook is faster
    graph.enqueue("POST", "/me/messages", new Answer(200, new JsonObject().put("recipient_id", customer)
        .put("message_id", "m_echo_before").encode(), 1500));
    long second = reply(conv, "second");
    assertThat(graph.next(5000)).isNotNull();
    webhook("messenger", echo(customer, "m_echo_before"));
    eventually(5_000, () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE type = 'echo' AND external_id = 'm_echo_before'") == 1,
        () -> "the echo to be stored first");
    awaitStatus(db, second, "sent");

    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(2);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id = ? AND type = 'echo'", conv)).isZero();
    assertThat(row(db, second).getString("external_id")).isEqualTo("m_echo_before");
  }
}
