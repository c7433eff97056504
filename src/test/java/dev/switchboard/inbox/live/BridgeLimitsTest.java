package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.switchboard.inbox.live.LiveSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Slow browsers and too many browsers cannot exhaust a node")
class BridgeLimitsTest {

  static final int BUDGET = 3;
  static final int ANONYMOUS_PER_ADDRESS = 4;
  static final int REGISTER_TIMEOUT_MS = 3_000;
  static TestDb db;
  static TestNode node;
  static Vertx clients;
  static Http http;
  static Seed.Account acme;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("BRIDGE_MAX_CONNECTIONS", BUDGET)
      .put("BRIDGE_MAX_UNREGISTERED_PER_ADDRESS", ANONYMOUS_PER_ADDRESS)
      .put("BRIDGE_REGISTER_TIMEOUT_MS", REGISTER_TIMEOUT_MS)
      .put("BRIDGE_MAX_QUEUE_BYTES", 32 * 1024)).account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    clients = env.vertx();
    http = env.http();
    acme = env.account();
  }

  static BridgeStats stats() {
    return BridgeStats.of(node.vertx);
  }

  static void eventually(Runnable check) {
    Await.passes(Duration.ofSeconds(20), check);
  }

  @Test
  @DisplayName("past BRIDGE_MAX_CONNECTIONS registered sockets a new one is refused at register with a reason and counted; a freed slot is usable again")
  void connectionBudget() {
    eventually(() -> assertThat(stats().connections()).isZero());
    String address = Bus.accountAddress(acme.accountId());
    String token = token(node, acme.adminId(), acme.accountId());
    long refusedBefore = stats().refused();
    List<BridgeClient> held = new ArrayList<>();
    try {
      for (int i = 0; i < BUDGET; i++) {
        BridgeClient c = BridgeClient.connect(clients, node.port());
        held.add(c);
        c.register(address, token);
        c.awaitRegistered(node, address);
      }
      assertThat(stats().connections()).isEqualTo(BUDGET);

      BridgeClient extra = BridgeClient.connect(clients, node.port());
      // an open socket alone takes no place in the budget: only a valid register does
      assertThat(stats().connections()).isEqualTo(BUDGET);
      extra.register(address, token);
      assertThat(extra.awaitError().getString("body")).isEqualTo("connection_limit");
      extra.awaitClosed(Duration.ofSeconds(10));
      assertThat(extra.closeCode).isEqualTo((short) LiveBridge.CLOSE_BUDGET);
      extra.close();
      assertThat(stats().refused()).isEqualTo(refusedBefore + 1);
      assertThat(stats().connections()).isEqualTo(BUDGET);
      assertThat(http.metrics().text())
          .contains("switchboard_bridge_refused_total " + (refusedBefore + 1) + ".0")
          .contains("switchboard_bridge_connections " + BUDGET + ".0");

      held.remove(0).close();
      eventually(() -> assertThat(stats().connections()).isEqualTo(BUDGET - 1));
      BridgeClient again = BridgeClient.connect(clients, node.port());
      held.add(again);
      again.register(address, token);
      again.awaitRegistered(node, address);
      assertThat(stats().connections()).isEqualTo(BUDGET);
    } finally {
      held.forEach(BridgeClient::close);
    }
    eventually(() -> assertThat(stats().connections()).isZero());
  }

  @Test
  @DisplayName("sockets that never register cannot lock agents out: they have their own cap per client address and are closed after the register timeout, pings or not")
  void anonymousSocketsCannotLockAgentsOut() {
    eventually(() -> assertThat(stats().unregistered()).isZero());
    String address = Bus.accountAddress(acme.accountId());
    String token = token(node, acme.adminId(), acme.accountId());
    long timeoutsBefore = stats().registerTimeouts();
    List<BridgeClient> anonymous = new ArrayList<>();
    List<BridgeClient> agents = new ArrayList<>();
    try {
      // another loopback address is another client: the attacker; its register deadlines run from here at the earliest
      long connecting = System.nanoTime();
      for (int i = 0; i < ANONYMOUS_PER_ADDRESS; i++) {
        anonymous.add(BridgeClient.connect(clients, node.port(), null, "127.0.0.2"));
      }
      eventually(() -> assertThat(stats().unregistered()).isEqualTo(ANONYMOUS_PER_ADDRESS));
      BridgeClient onePastTheCap = BridgeClient.connect(clients, node.port(), null, "127.0.0.2");
      assertThat(onePastTheCap.awaitError().getString("body")).isEqualTo("connection_limit");
      onePastTheCap.awaitClosed(Duration.ofSeconds(10));
      onePastTheCap.close();

      // every agent still gets in, up to the whole budget
      for (int i = 0; i < BUDGET; i++) {
        BridgeClient c = BridgeClient.connect(clients, node.port());
        agents.add(c);
        c.register(address, token);
        c.awaitRegistered(node, address);
      }
      assertThat(stats().connections()).isEqualTo(BUDGET);

      // pings keep a socket open but do not stand in for a register
      long started = System.nanoTime();
      BridgeClient pinging = anonymous.get(0);
      while (!pinging.closed && System.nanoTime() - started < Duration.ofSeconds(15).toNanos()) {
        pinging.write(new JsonObject().put("type", "ping"));
        Await.pause(200);
      }
      for (BridgeClient c : anonymous) {
        c.awaitClosed(Duration.ofSeconds(15));
        assertThat(c.closeCode).isEqualTo((short) LiveBridge.CLOSE_REGISTER_TIMEOUT);
      }
      // not closed before their deadline (measured from before they connected, so a slow machine cannot shorten it)
      assertThat(Duration.ofNanos(System.nanoTime() - connecting)).isGreaterThanOrEqualTo(Duration.ofMillis(REGISTER_TIMEOUT_MS - 50));
      assertThat(stats().registerTimeouts()).isEqualTo(timeoutsBefore + ANONYMOUS_PER_ADDRESS);
      eventually(() -> assertThat(stats().unregistered()).isZero());
      assertThat(agents).allSatisfy(a -> assertThat(a.closed).isFalse());
    } finally {
      anonymous.forEach(BridgeClient::close);
      agents.forEach(BridgeClient::close);
    }
    eventually(() -> assertThat(stats().connections()).isZero());
  }

  @Test
  @DisplayName("a browser on the SockJS WebSocket transport that stops reading is dropped too (its session queue alone never fills)")
  void slowSockJSClientIsDropped() {
    eventually(() -> assertThat(stats().connections()).isZero());
    String address = Bus.accountAddress(acme.accountId());
    long dropsBefore = stats().slowDrops();
    try (BridgeClient slow = BridgeClient.connectSockJS(clients, node.port())) {
      slow.register(address, token(node, acme.adminId(), acme.accountId()));
      slow.awaitRegistered(node, address);
      slow.ws.pause();
      String big = "y".repeat(64 * 1024);
      int sent = 0;
      while (stats().slowDrops() == dropsBefore && sent < 4_000) {
        for (int i = 0; i < 20; i++, sent++) {
          node.vertx.eventBus().publish(address, new JsonObject().put("id", "big-" + sent).put("data", big));
        }
        Await.pause(5);
      }
      assertThat(stats().slowDrops()).as("drops after %d events of 64 KiB", sent).isEqualTo(dropsBefore + 1);
      slow.ws.resume();
      slow.awaitClosed(Duration.ofSeconds(20));
      // The WebSocket under the session is closed by the server (a SockJS close frame c[3000,...] may
      // or may not get through the backlog first); the page reconnects and replays.
      eventually(() -> assertThat(stats().connections()).isZero());
    }
  }

  @Test
  @DisplayName("a client that stops reading is closed once its write queue is full, the drop is counted, and a new client gets events")
  void slowClientIsDropped() {
    eventually(() -> assertThat(stats().connections()).isZero());
    String address = Bus.accountAddress(acme.accountId());
    String token = token(node, acme.adminId(), acme.accountId());
    long dropsBefore = stats().slowDrops();
    try (BridgeClient slow = BridgeClient.connect(clients, node.port())) {
      slow.register(address, token);
      slow.awaitRegistered(node, address);

      slow.ws.pause();
      String big = "x".repeat(64 * 1024);
      int sent = 0;
      // Publish large events until the server gives up on the paused client (TCP buffers absorb several MB first).
      while (stats().slowDrops() == dropsBefore && sent < 4_000) {
        for (int i = 0; i < 20; i++, sent++) {
          node.vertx.eventBus().publish(address, new JsonObject().put("id", "big-" + sent).put("data", big));
        }
        Await.pause(5);
      }
      assertThat(stats().slowDrops()).as("drops after %d events of 64 KiB", sent).isEqualTo(dropsBefore + 1);
      assertThat(http.metrics().text()).contains("switchboard_bridge_slow_drops_total " + (dropsBefore + 1) + ".0");

      slow.ws.resume();
      slow.awaitClosed(Duration.ofSeconds(20));
      // The close frame queues behind the backlog; when it gets through it carries the reason.
      if (slow.closeCode != null && slow.closeCode != 1006) {
        assertThat(slow.closeCode).isEqualTo((short) LiveBridge.CLOSE_SLOW);
      }
      eventually(() -> assertThat(stats().connections()).isZero());
      System.out.printf("slow client dropped after %d events of 64 KiB%n", sent);
    }
    // The page reconnects and is served again.
    try (BridgeClient again = BridgeClient.connect(clients, node.port())) {
      again.register(address, token);
      again.awaitRegistered(node, address);
      node.vertx.eventBus().publish(address, new JsonObject().put("id", "after-drop"));
      again.awaitEvent("after-drop");
      assertThat(again.closed).isFalse();
    }
  }

  @Test
  @DisplayName("the log's own events (fan-out to the bridge's event loops, not the event bus) drop a client that stops reading, and a new one gets the next event")
  void slowClientIsDroppedOnTheLogPath() {
    eventually(() -> assertThat(stats().connections()).isZero());
    String address = Bus.accountAddress(acme.accountId());
    String token = token(node, acme.adminId(), acme.accountId());
    var log = node.node.services().events();
    long dropsBefore = stats().slowDrops();
    try (BridgeClient slow = BridgeClient.connect(clients, node.port())) {
      slow.register(address, token);
      slow.awaitRegistered(node, address);
      String first = log.append(acme.accountId(), Bus.CONVERSATION_UPDATED, 1L, new JsonObject().put("n", 0)).await().getString("id");
      assertThat(slow.awaitEvent(first).getString("type")).as("delivered while it reads").isEqualTo(Bus.CONVERSATION_UPDATED);

      slow.ws.pause();
      String big = "z".repeat(64 * 1024);
      int sent = 0;
      while (stats().slowDrops() == dropsBefore && sent < 4_000) {
        for (int i = 0; i < 20; i++, sent++) {
          log.append(acme.accountId(), Bus.CONVERSATION_UPDATED, 1L, new JsonObject().put("data", big)).await();
        }
        Await.pause(5);
      }
      assertThat(stats().slowDrops()).as("drops after %d logged events of 64 KiB", sent).isEqualTo(dropsBefore + 1);
      slow.ws.resume();
      slow.awaitClosed(Duration.ofSeconds(20));
      eventually(() -> assertThat(stats().connections()).isZero());
    }
    try (BridgeClient again = BridgeClient.connect(clients, node.port())) {
      again.register(address, token);
      again.awaitRegistered(node, address);
      String next = log.append(acme.accountId(), Bus.CONVERSATION_UPDATED, 1L, new JsonObject().put("n", 1)).await().getString("id");
      again.awaitEvent(next);
      assertThat(again.closed).isFalse();
    }
  }
}
