package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.switchboard.inbox.live.LiveSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The SockJS bridge pushes each account's events to that account's browsers only, from any node")
class LiveBridgeTest {

  static TestDb db;
  static String prefix;
  static TestNode nodeA;
  static TestNode nodeB;
  // Unique per run: other checkouts may run this same class against the same Redis at the same time.
  static final String NODE_A = "live-a-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  static Vertx clients;
  static Seed.Account acme;
  static Seed.Account globex;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("NODE_ID", NODE_A)).account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    prefix = env.redisPrefix();
    nodeA = env.node();
    nodeB = env.open(TestNode.start(db, prefix, new JsonObject().put("NODE_ID", NODE_A.replace("live-a", "live-b"))));
    clients = env.vertx();
    acme = env.account();
    globex = Seed.account(db, "Globex");
  }

  static String address(Seed.Account a) {
    return Bus.accountAddress(a.accountId());
  }

  static JsonObject append(TestNode node, Seed.Account a, String text) {
    return node.node.services().events()
        .append(a.accountId(), Bus.MESSAGE_CREATED, 42L, new JsonObject().put("text", text)).await();
  }

  @Test
  @DisplayName("an appended event reaches a registered client of its account in the event shape, and not a client of another account")
  void eventReachesOwnAccountOnly() {
    try (BridgeClient mine = BridgeClient.connect(clients, nodeA.port());
         BridgeClient theirs = BridgeClient.connect(clients, nodeA.port())) {
      mine.register(address(acme), token(nodeA, acme.adminId(), acme.accountId()));
      theirs.register(address(globex), token(nodeA, globex.adminId(), globex.accountId()));
      mine.awaitRegistered(nodeA, address(acme));
      theirs.awaitRegistered(nodeA, address(globex));

      JsonObject event = append(nodeA, acme, "hello acme");
      JsonObject pushed = mine.awaitEvent(event.getString("id"));
      assertThat(pushed.getString("type")).isEqualTo("message.created");
      assertThat(pushed.getString("accountId")).isEqualTo(String.valueOf(acme.accountId()));
      assertThat(pushed.getString("conversationId")).isEqualTo("42");
      assertThat(pushed.getJsonObject("data").getString("text")).isEqualTo("hello acme");

      // A later event of the other account arrives there; the first one never did.
      JsonObject marker = append(nodeA, globex, "hello globex");
      theirs.awaitEvent(marker.getString("id"));
      assertThat(theirs.received()).extracting(f -> f.getJsonObject("body").getString("id"))
          .containsExactly(marker.getString("id"));
      assertThat(mine.received()).extracting(f -> f.getJsonObject("body").getString("id"))
          .containsExactly(event.getString("id"));
    }
  }

  @Test
  @DisplayName("registering with no token, a tampered token, an expired token, another account's address or a non-account address is refused")
  void registrationsAreRefused() {
    String good = token(nodeA, acme.adminId(), acme.accountId());
    String tampered = good.substring(0, good.length() - 3) + (good.endsWith("AAA") ? "BBB" : "AAA");
    String expired = LiveSupport.expiredToken(clients, acme.adminId(), acme.accountId());
    String otherAccount = token(nodeA, globex.adminId(), globex.accountId());
    String[][] cases = {
        {address(acme), null},
        {address(acme), tampered},
        {address(acme), expired},
        {address(acme), otherAccount},
        {Bus.RAW_STORED, good},
        {"inbox.account." + acme.accountId() + ".x", good},
    };
    long deniedBefore = BridgeStats.of(nodeA.vertx).denied();
    for (String[] c : cases) {
      try (BridgeClient client = BridgeClient.connect(clients, nodeA.port());
           BridgeClient control = BridgeClient.connect(clients, nodeA.port())) {
        client.register(c[0], c[1]);
        JsonObject err = client.awaitError();
        assertThat(err.getString("body")).as("refusal of %s with %s", c[0], c[1]).isIn("rejected", "access_denied");

        // Nothing published there afterwards reaches the refused client (a permitted control does get it).
        control.register(address(acme), good);
        control.awaitRegistered(nodeA, address(acme));
        JsonObject event = append(nodeA, acme, "after refusal");
        control.awaitEvent(event.getString("id"));
        nodeA.vertx.eventBus().publish(c[0], new JsonObject().put("id", "direct"));
        assertThat(client.received()).isEmpty();
      }
    }
    assertThat(BridgeStats.of(nodeA.vertx).denied() - deniedBefore).isGreaterThanOrEqualTo(cases.length);
  }

  @Test
  @DisplayName("malformed register frames (headers not an object, authorization not a string or not Bearer) are refused and the socket keeps working")
  void malformedRegisterFrames() {
    String good = token(nodeA, acme.adminId(), acme.accountId());
    try (BridgeClient client = BridgeClient.connect(clients, nodeA.port())) {
      List<JsonObject> frames = List.of(
          new JsonObject().put("type", "register").put("address", address(acme)).put("headers", "Bearer " + good),
          new JsonObject().put("type", "register").put("address", address(acme)).put("headers", new JsonObject().put("authorization", 42)),
          new JsonObject().put("type", "register").put("address", address(acme)).put("headers", new JsonObject().put("authorization", good)),
          new JsonObject().put("type", "register").put("address", address(acme)).put("headers", new JsonObject().put("authorization", "Bearer ")));
      for (JsonObject frame : frames) {
        client.frames.clear();
        client.write(frame);
        assertThat(client.awaitError().getString("body")).as(frame.encode()).isIn("rejected", "access_denied");
      }
      client.register(address(acme), good);
      client.awaitRegistered(nodeA, address(acme));
      assertThat(client.closed).isFalse();
    }
  }

  @Test
  @DisplayName("a client's send or publish is refused and reaches no consumer on the node")
  void inboundIsRefused() {
    AtomicInteger seen = new AtomicInteger();
    MessageConsumer<Object> spy = nodeA.vertx.eventBus().consumer(address(acme), m -> {
      if (m.body() instanceof JsonObject b && b.containsKey("fromBrowser")) {
        seen.incrementAndGet();
      }
    });
    spy.completion().await();
    try (BridgeClient client = BridgeClient.connect(clients, nodeA.port())) {
      String good = token(nodeA, acme.adminId(), acme.accountId());
      for (String type : List.of("send", "publish")) {
        client.frames.clear();
        client.write(new JsonObject().put("type", type).put("address", address(acme))
            .put("body", new JsonObject().put("fromBrowser", true))
            .put("headers", new JsonObject().put("authorization", "Bearer " + good)));
        assertThat(client.awaitError().getString("body")).isIn("rejected", "access_denied");
      }
      // The bus delivers in order: a marker published after the refusals arrives, the browser's frames never did.
      nodeA.vertx.eventBus().publish(address(acme), new JsonObject().put("fromBrowser", false));
      Await.until("the marker published after the refusals", Duration.ofSeconds(2), () -> seen.get() >= 1);
      assertThat(seen.get()).isEqualTo(1);
    } finally {
      spy.unregister().await();
    }
  }

  @Test
  @DisplayName("a browser-style SockJS client (WebSocket transport, SockJS framing) registers with its token and gets pushed events")
  void sockJSTransport() {
    try (BridgeClient browser = BridgeClient.connectSockJS(clients, nodeA.port())) {
      browser.register(address(acme), token(nodeA, acme.adminId(), acme.accountId()));
      browser.awaitRegistered(nodeA, address(acme));
      JsonObject event = append(nodeA, acme, "via sockjs");
      assertThat(browser.awaitEvent(event.getString("id")).getJsonObject("data").getString("text")).isEqualTo("via sockjs");
      browser.register(address(globex), token(nodeA, acme.adminId(), acme.accountId()));
      assertThat(browser.awaitError().getString("body")).isIn("rejected", "access_denied");
    }
  }

  @Test
  @DisplayName("an event appended on node A reaches a client connected to node B")
  void crossNode() {
    try (BridgeClient onB = BridgeClient.connect(clients, nodeB.port())) {
      onB.register(address(acme), token(nodeB, acme.adminId(), acme.accountId()));
      onB.awaitRegistered(nodeB, address(acme));
      JsonObject event = append(nodeA, acme, "from A");
      assertThat(onB.awaitEvent(event.getString("id")).getJsonObject("data").getString("text")).isEqualTo("from A");
    }
  }

  @Test
  @DisplayName("when Redis drops the fan-out's connection, it reconnects and events appended meanwhile and later still arrive, once each")
  void fanoutSurvivesRedisDrop() {
    try (BridgeClient client = BridgeClient.connect(clients, nodeA.port())) {
      client.register(address(acme), token(nodeA, acme.adminId(), acme.accountId()));
      client.awaitRegistered(nodeA, address(acme));
      JsonObject before = append(nodeA, acme, "before");
      client.awaitEvent(before.getString("id"));

      long killed = killFanoutConnection(NODE_A, acme.accountId());
      assertThat(killed).isEqualTo(1);
      JsonObject during = append(nodeB, acme, "during");
      JsonObject after = append(nodeB, acme, "after");
      client.awaitEvent(during.getString("id"));
      client.awaitEvent(after.getString("id"));
      // It came back on a new connection, and nothing was pushed twice.
      assertThat(fanoutConnections(NODE_A, acme.accountId())).hasSize(1);
      assertThat(client.received()).extracting(f -> f.getJsonObject("body").getString("id"))
          .containsExactly(before.getString("id"), during.getString("id"), after.getString("id"));
      assertThat(nodeA.registry.get("switchboard.fanout.reconnects").counter().count()).isGreaterThanOrEqualTo(1);
    }
  }

  /** The node's fan-out connection to the partition of the account's events. */
  static List<String> fanoutConnections(String nodeId, long accountId) {
    String name = EventFanoutVerticle.connectionName(nodeId, nodeA.node.services().events().partitionOf(accountId));
    Response list = nodeA.node.services().redis().api().client(List.of("LIST")).await();
    return list.toString().lines().filter(l -> l.contains(" name=" + name + " ")).toList();
  }

  static long killFanoutConnection(String nodeId, long accountId) {
    List<String> lines = fanoutConnections(nodeId, accountId);
    assertThat(lines).hasSize(1);
    String id = lines.get(0).replaceAll("^id=(\\d+) .*$", "$1");
    return nodeA.node.services().redis().api().client(List.of("KILL", "ID", id)).await().toLong();
  }

  @Test
  @DisplayName("a page from an origin other than BRIDGE_ALLOWED_ORIGIN cannot open the bridge")
  void originIsChecked() {
    TestNode strict = TestNode.start(db, prefix, new JsonObject().put("BRIDGE_ALLOWED_ORIGIN", "https://inbox.example.test"));
    try {
      // closed before the node stops: an open socket holds its graceful stop for the full timeout
      try (BridgeClient allowed = BridgeClient.connect(clients, strict.port(), "https://inbox.example.test")) {
        assertThat(allowed.ws.isClosed()).isFalse();
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> BridgeClient.connect(clients, strict.port(), "https://evil.example.test"))
          .hasMessageContaining("403");
    } finally {
      strict.close();
    }
  }
}
