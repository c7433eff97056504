package dev.switchboard.outbound;

import dev.switchboard.support.FakeGraph.Answer;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.switchboard.outbound.SendSupport.awaitStatus;
import static dev.switchboard.outbound.SendSupport.conversation;
import static dev.switchboard.outbound.SendSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Sends survive node stops and crashes, and bursts queue under the per-channel rate")
class OutboxRestartIT {

  static final String PHONE_ID = "118812345678901";
  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static String prefix;
  static Seed.Account account;
  static long whatsapp;
  static long messenger;
  final List<TestNode> nodes = new ArrayList<>();

  // each test starts, stops and kills its own nodes
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().withoutNode().account("Restart Co").build();

  @BeforeAll
  static void setUp() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    prefix = env.redisPrefix();
    account = env.account();
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
  }


  @BeforeEach
  void reset() {
    graph.reset();
  }

  @AfterEach
  void stopNodes() {
    for (TestNode n : nodes) {
      try {
        n.close();
      } catch (RuntimeException ignored) {
        // already killed
      }
    }
  }

  static JsonObject settings() {
    return new JsonObject()
        .put("GRAPH_API_URL", graph.url())
        .put("GRAPH_RETRY_BASE_MS", 400)
        .put("GRAPH_MAX_ATTEMPTS", 50)
        .put("GRAPH_TIMEOUT_MS", 1000)
        .put("OUTBOUND_LEASE_MS", 1000)
        .put("OUTBOUND_POLL_MS", 100)
        .put("SEND_RATE_DEFAULT", 4);
  }

  TestNode node() {
    TestNode n = TestNode.start(db, prefix, settings());
    nodes.add(n);
    return n;
  }

  static long send(TestNode node, long conversationId, String text) {
    try (Http http = new Http(node.vertx, node.baseUrl())) {
      Http.Res r = http.as(SendSupport.token(http, account)).post("/api/v1/conversations/" + conversationId + "/messages",
          new JsonObject().put("type", "reply").put("text", text));
      assertThat(r.status()).isEqualTo(201);
      return Long.parseLong(r.json().getString("id"));
    }
  }

  static Answer wamid(String id, long delayMs) {
    return new Answer(200, new JsonObject().put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("id", id))).encode(),
        delayMs);
  }

  @Test
  @DisplayName("a node stopped while Graph is slow finishes that send; the next node does not send it again")
  void gracefulStopFinishesInFlight() throws InterruptedException {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(1)));
    graph.respond("POST", "/" + PHONE_ID + "/messages", wamid("wamid.slow-" + conv, 700));
    TestNode a = node();
    long m = send(a, conv, "slow one");
    assertThat(graph.next(5000)).isNotNull();
    a.close();
    assertThat(SendSupport.status(db, m)).isEqualTo("sent");
    TestNode b = node();
    assertThat(graph.next(1500)).as("nothing is sent twice").isNull();
    assertThat(graph.calls()).hasSize(1);
    assertThat(SendSupport.row(db, m).getString("external_id")).isEqualTo("wamid.slow-" + conv);
    b.close();
  }

  @Test
  @DisplayName("a node stopped while Graph fails leaves the message pending; another node sends it exactly once")
  void pendingSurvivesStop() throws InterruptedException {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(1)));
    graph.respond("POST", "/" + PHONE_ID + "/messages", Answer.json(503, new JsonObject().put("error", new JsonObject()
        .put("message", "Service temporarily unavailable").put("code", 2))));
    TestNode a = node();
    long m = send(a, conv, "survive me");
    assertThat(graph.next(5000)).isNotNull();
    a.close();
    assertThat(SendSupport.status(db, m)).isEqualTo("pending");
    int failedCalls = graph.calls().size();
    graph.reset();
    graph.respond("POST", "/" + PHONE_ID + "/messages", wamid("wamid.after-restart-" + conv, 0));
    TestNode b = node();
    awaitStatus(db, m, "sent");
    assertThat(graph.next(1000)).isNotNull();
    assertThat(graph.next(800)).as("sent once").isNull();
    assertThat(graph.calls()).hasSize(1);
    assertThat(failedCalls).isGreaterThanOrEqualTo(1);
    b.close();
  }

  @Test
  @DisplayName("a node killed mid-send: after its lease expires another node takes the claim and the message ends sent once in the store")
  void crashedClaimIsTakenOver() throws InterruptedException {
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(1)));
    // Graph never answers the first node in time (it is killed while waiting)
    graph.enqueue("POST", "/" + PHONE_ID + "/messages", wamid("wamid.lost-" + conv, 5000));
    graph.respond("POST", "/" + PHONE_ID + "/messages", wamid("wamid.second-" + conv, 0));
    TestNode a = node();
    long m = send(a, conv, "crash me");
    assertThat(graph.next(5000)).isNotNull();
    a.kill();
    nodes.remove(a);
    assertThat(SendSupport.row(db, m).getString("status")).isEqualTo("pending");
    TestNode b = node();
    awaitStatus(db, m, "sent");
    // the documented at-least-once edge: the first call may have reached Meta, so the take-over is a second call
    assertThat(graph.calls()).hasSize(2);
    assertThat(SendSupport.row(db, m).getString("external_id")).isEqualTo("wamid.second-" + conv);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(1);
    assertThat(b.registry.get("switchboard_outbound_in_doubt_total").counter().count()).isEqualTo(1.0);
    b.close();
  }

  @Test
  @DisplayName("a burst over the channel's rate queues (stays pending, then goes out) instead of failing; all sent once")
  void burstQueues() {
    int n = 10;
    List<Long> messages = new ArrayList<>();
    List<Long> conversations = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      conversations.add(conversation(db, account.accountId(), messenger, uniqueUser(), Instant.now().minus(Duration.ofMinutes(1))));
    }
    List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger seq = new java.util.concurrent.atomic.AtomicInteger();
    graph.respond("POST", "/me/messages", c -> {
      arrivals.add(System.nanoTime());
      return Answer.json(200, new JsonObject().put("message_id", "m_burst_" + seq.incrementAndGet() + "_" + System.nanoTime()));
    });
    TestNode a = node();
    TestNode b = node();
    for (int i = 0; i < n; i++) {
      messages.add(send(i % 2 == 0 ? a : b, conversations.get(i), "burst " + i));
    }
    for (long m : messages) {
      awaitStatus(db, m, "sent");
    }
    assertThat(graph.calls()).hasSize(n);
    // 4/s across both nodes: 10 sends need at least ~1.5 s (4 at once, then one every 250 ms)
    long spanMs = (arrivals.get(n - 1) - arrivals.get(0)) / 1_000_000;
    assertThat(spanMs).isGreaterThanOrEqualTo(1200);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE channel_id = ? AND status = 'failed'", messenger)).isZero();
    a.close();
    b.close();
  }
}
