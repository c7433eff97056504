package dev.switchboard.scale;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes sharing PostgreSQL and Redis behind nginx on loopback (round-robin for webhooks and
 * the API, WebSocket upgrade and ip_hash for the bridge), as in docs/scaling.md.
 */
@DisplayName("Two nodes behind nginx behave as one")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancedNodesIT {

  @RegisterExtension
  static final Requires TOOL = Nginx.REQUIRED;

  static final int WINDOW_SECONDS = 10;

  static TestDb db;
  static FakeGraph graph;
  static TestNode a;
  static TestNode b;
  static Nginx nginx;
  static Vertx clients;
  static Http lb;
  static Seed.Account acme;
  static String address;
  static String token;
  static final List<String> windowCustomers = new ArrayList<>();
  static final AtomicLong customers = new AtomicLong(14_155_550_000L);

  // two nodes behind nginx, started here
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().withoutNode().account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    clients = env.vertx();
    graph = env.graph();
    AtomicLong wamids = new AtomicLong();
    graph.respond("POST", "/", c -> FakeGraph.Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.out-" + wamids.incrementAndGet() + "-" + UUID.randomUUID())))));
    String prefix = env.redisPrefix();
    JsonObject settings = new JsonObject()
        .put("GRAPH_API_URL", graph.url())
        .put("WINDOW_STANDARD", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_HUMAN_AGENT", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_TIMER_POLL_MS", 200)
        .put("OUTBOUND_POLL_MS", 200)
        .put("PROCESSOR_SWEEP_MS", 200);
    a = env.open(TestNode.start(db, prefix, settings.copy().put("NODE_ID", "node-a")));
    b = env.open(TestNode.start(db, prefix, settings.copy().put("NODE_ID", "node-b")));
    nginx = env.open(Nginx.start(List.of(a.port(), b.port())));
    lb = env.open(new Http(clients, nginx.baseUrl()));
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
    address = Bus.accountAddress(acme.accountId());
    token = a.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");

    // The window-timer test's customers write first, so their windows close while the other tests run.
    for (int i = 0; i < 6; i++) {
      String wa = customer();
      windowCustomers.add(wa);
      post(Webhooks.whatsappText(wa, "wamid.win-" + UUID.randomUUID(), "hello"));
    }
  }

  static String customer() {
    return String.valueOf(customers.incrementAndGet());
  }

  static void post(Webhooks.Signed w) {
    Http.Res r = lb.webhook("whatsapp", w.body(), w.signature());
    assertThat(r.status()).as("webhook through nginx: %s", r.text()).isEqualTo(200);
  }

  static long count(String sql, Object... args) {
    return Seed.scalar(db, sql, args);
  }

  static void allProcessed() {
    Await.passes(Duration.ofSeconds(30), () ->
        assertThat(count("SELECT count(*) FROM raw_events WHERE status <> 'done'")).isZero());
  }

  /** A socket on each node and one through nginx, all registered for Acme. */
  static List<BridgeClient> sockets() {
    BridgeClient onA = BridgeClient.connect(clients, a.port()).registered(a, address, token);
    BridgeClient onB = BridgeClient.connect(clients, b.port()).registered(b, address, token);
    BridgeClient throughLb = BridgeClient.connect(clients, nginx.port);
    // ip_hash picks one node for the balancer's socket: probe on both
    throughLb.register(address, token);
    String marker = "probe-" + UUID.randomUUID();
    Await.until("the balancer's socket registered", Duration.ofSeconds(10), () -> {
      a.vertx.eventBus().publish(address, new JsonObject().put("probe", marker));
      b.vertx.eventBus().publish(address, new JsonObject().put("probe", marker));
      return throughLb.frames.stream().anyMatch(f -> f.getValue("body") instanceof JsonObject x && marker.equals(x.getString("probe")));
    });
    return List.of(onA, onB, throughLb);
  }

  static List<JsonObject> created(BridgeClient s, String wamid) {
    return s.events(Bus.MESSAGE_CREATED).stream()
        .filter(e -> wamid.equals(e.getJsonObject("data").getString("externalId"))).toList();
  }

  @Test
  @Order(1)
  @DisplayName("a webhook through the balancer (delivered twice, as Meta may) is stored once and pushed once to browsers on either node and through nginx")
  void webhookReachesEveryNodesBrowsers() {
    List<BridgeClient> socks = sockets();
    try {
      String wamid = "wamid.lb-" + UUID.randomUUID();
      Webhooks.Signed w = Webhooks.whatsappText(customer(), wamid, "hi from the balancer");
      post(w);
      post(w); // round-robin: the redelivery lands on the other node
      for (BridgeClient s : socks) {
        Await.passes(Duration.ofSeconds(20), () -> assertThat(created(s, wamid)).hasSize(1));
      }
      allProcessed();
      assertThat(count("SELECT count(*) FROM messages WHERE external_id = ?", wamid)).isEqualTo(1);
      assertThat(count("SELECT count(*) FROM raw_events")).as("both deliveries stored raw").isGreaterThanOrEqualTo(2);
      // a last look after everything settled: still one push each
      for (BridgeClient s : socks) {
        assertThat(created(s, wamid)).hasSize(1);
      }
    } finally {
      socks.forEach(BridgeClient::close);
    }
  }

  @Test
  @Order(2)
  @DisplayName("a change made through node A is pushed to an agent connected to node B")
  void changeOnOneNodeReachesTheOther() {
    String wamid = "wamid.patch-" + UUID.randomUUID();
    post(Webhooks.whatsappText(customer(), wamid, "please help"));
    Await.passes(Duration.ofSeconds(20), () ->
        assertThat(count("SELECT count(*) FROM messages WHERE external_id = ?", wamid)).isEqualTo(1));
    long conversation = count("SELECT conversation_id FROM messages WHERE external_id = ?", wamid);
    try (BridgeClient onB = BridgeClient.connect(clients, b.port()).registered(b, address, token);
         Http onA = new Http(clients, a.baseUrl())) {
      Http.Res r = onA.as(token).patch("/api/v1/conversations/" + conversation, new JsonObject().put("status", "open"));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      Await.passes(Duration.ofSeconds(20), () -> assertThat(onB.events(Bus.CONVERSATION_UPDATED))
          .anyMatch(e -> e.getString("conversationId").equals(String.valueOf(conversation))
              && "open".equals(e.getJsonObject("data").getString("status"))));
      // and back through the balancer, read back through the balancer
      assertThat(lb.as(token).patch("/api/v1/conversations/" + conversation, new JsonObject().put("status", "closed")).status()).isEqualTo(200);
      Await.passes(Duration.ofSeconds(20), () -> assertThat(onB.events(Bus.CONVERSATION_UPDATED))
          .anyMatch(e -> "closed".equals(e.getJsonObject("data").getString("status"))));
      assertThat(lb.as(token).get("/api/v1/conversations/" + conversation).json().getString("status")).isEqualTo("closed");
    }
  }

  @Test
  @Order(3)
  @DisplayName("bot flows answer each message once, whichever node takes the webhook")
  void botAnswersOnce() {
    Http.Res flow = lb.as(token).post("/api/v1/flows", new JsonObject().put("name", "Prices").put("enabled", true)
        .put("trigger", new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("price")))
        .put("actions", new JsonArray().add(new JsonObject().put("type", "reply").put("text", "Our prices start at 10"))));
    assertThat(flow.status()).as(flow.text()).isEqualTo(201);
    int n = 12;
    List<String> wamids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String wamid = "wamid.bot-" + UUID.randomUUID();
      wamids.add(wamid);
      post(Webhooks.whatsappText(customer(), wamid, "what is the price?"));
    }
    Await.passes(Duration.ofSeconds(30), () -> assertThat(count(
        "SELECT count(*) FROM messages WHERE type = 'bot' AND status = 'sent' AND text = 'Our prices start at 10'")).isEqualTo(n));
    allProcessed();
    Await.passes(Duration.ofSeconds(10), () ->
        assertThat(count("SELECT count(*) FROM messages WHERE type = 'bot' AND status = 'pending'")).isZero());
    List<String> sends = graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").stream()
        .map(FakeGraph.Call::body).filter(body -> body.contains("Our prices start at 10")).toList();
    assertThat(sends).as("Graph sends of the bot's reply").hasSize(n);
    // one reply per conversation, one per inbound message
    assertThat(count("""
        SELECT count(*) FROM (SELECT conversation_id FROM messages WHERE type = 'bot' GROUP BY conversation_id HAVING count(*) <> 1) x
        """)).isZero();
    assertThat(count("SELECT count(DISTINCT conversation_id) FROM messages WHERE type = 'bot'")).isEqualTo(n);
  }

  @Test
  @Order(4)
  @DisplayName("SockJS fallbacks through the balancer stay on the node holding their session (ip_hash)")
  void stickyFallbacks() {
    for (int i = 0; i < 6; i++) {
      String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      Http.Res open = lb.post(session + "/xhr", "");
      assertThat(open.status()).isEqualTo(200);
      assertThat(open.text()).startsWith("o");
      // a register frame without a token: the node holding the session answers it with an error frame
      Http.Res send = lb.send(io.vertx.core.http.HttpMethod.POST, session + "/xhr_send",
          new JsonArray().add(new JsonObject().put("type", "register").put("address", address).encode()).encode(), Map.of());
      assertThat(send.status()).as("xhr_send found its session: %s", send.text()).isEqualTo(204);
      Http.Res poll = lb.post(session + "/xhr", "");
      assertThat(poll.status()).isEqualTo(200);
      assertThat(poll.text()).containsAnyOf("access_denied", "rejected");
    }
  }

  @Test
  @Order(5)
  @DisplayName("the Redis window timer fires each expiry once across the two nodes (counted in the event log)")
  void windowTimerFiresOnce() {
    List<Long> conversations = new ArrayList<>();
    Await.passes(Duration.ofSeconds(20), () -> {
      conversations.clear();
      for (String wa : windowCustomers) {
        conversations.add(count("SELECT cv.id FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE c.platform_user_id = ?", wa));
      }
    });
    Await.passes(Duration.ofSeconds(WINDOW_SECONDS + 20), () -> {
      List<JsonObject> fired = windowEvents();
      for (long c : conversations) {
        assertThat(fired).as("window_changed for conversation %d", c)
            .filteredOn(e -> e.getString("conversationId").equals(String.valueOf(c))).hasSize(1);
      }
    });
    // a few more polls of both nodes: nothing fires twice
    Await.pause(600);
    List<JsonObject> fired = windowEvents();
    for (long c : conversations) {
      assertThat(fired).filteredOn(e -> e.getString("conversationId").equals(String.valueOf(c))).hasSize(1);
    }
    assertThat(fired.get(0).getJsonObject("data").getJsonObject("window").getBoolean("templateRequired")).isTrue();
  }

  // Every conversation.window_changed in the account's log, replayed through the balancer.
  static List<JsonObject> windowEvents() {
    List<JsonObject> out = new ArrayList<>();
    String after = null;
    while (true) {
      Http.Res r = lb.as(token).get("/api/v1/events?limit=200" + (after == null ? "" : "&after=" + after));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      JsonArray items = r.items();
      for (int i = 0; i < items.size(); i++) {
        JsonObject e = items.getJsonObject(i);
        if (Bus.WINDOW_CHANGED.equals(e.getString("type"))) {
          out.add(e);
        }
        after = e.getString("id");
      }
      if (items.size() < 200) {
        return out;
      }
    }
  }
}
