package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.switchboard.inbox.live.LiveSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * FANOUT_HELD_ONLY (the balancer routes /eventbus by account): a node reads a log partition only
 * while it holds a registered socket of one of its accounts, and a new socket still gets every
 * event, the ones appended before its partition's reader started included.
 */
@DisplayName("With FANOUT_HELD_ONLY a node reads only the log partitions of the accounts it holds sockets for")
class FanoutHeldOnlyTest {

  // Unique per run: other checkouts may run this class against the same Redis at the same time.
  static final String NODE = "held-" + UUID.randomUUID().toString().substring(0, 8);

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder()
      .settings(new JsonObject().put("NODE_ID", NODE).put("FANOUT_HELD_ONLY", true).put("FANOUT_LINGER_MS", 300))
      .account("Acme").build();

  static TestNode node;
  static Vertx clients;
  static Seed.Account acme;
  static Seed.Account globex;

  @BeforeAll
  static void start() {
    node = env.node();
    clients = env.vertx();
    acme = env.account();
    globex = Seed.account(env.db(), "Globex");
    assertThat(partition(acme)).isNotEqualTo(partition(globex));
  }

  static int partition(Seed.Account a) {
    return node.node.services().events().partitionOf(a.accountId());
  }

  static JsonObject append(Seed.Account a, String text) {
    return node.node.services().events().append(a.accountId(), Bus.MESSAGE_CREATED, 7L, new JsonObject().put("text", text)).await();
  }

  /** This node's fan-out connections to the partition (by the name each reader gives its connection). */
  static List<String> readerConnections(Seed.Account a) {
    String name = EventFanoutVerticle.connectionName(NODE, partition(a));
    Response list = node.node.services().redis().api().client(List.of("LIST")).await();
    return list.toString().lines().filter(l -> l.contains(" name=" + name + " ")).toList();
  }

  static double partitionsRead() {
    return node.registry.get("switchboard.fanout.partitions").gauge().value();
  }

  static double eventsRead() {
    return node.registry.get("switchboard.fanout.events").counter().count();
  }

  static BridgeClient page(Seed.Account a) {
    BridgeClient c = BridgeClient.connect(clients, node.port());
    c.registered(node, Bus.accountAddress(a.accountId()), token(node, a.adminId(), a.accountId()));
    return c;
  }

  static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("id")).toList();
  }

  @Test
  @DisplayName("no socket: no partition read; a socket's partition is read (from before it came) and no other; its reader stops after the last socket leaves")
  void readsOnlyHeldPartitions() {
    assertThat(partitionsRead()).isZero();
    assertThat(readerConnections(acme)).isEmpty();
    assertThat(readerConnections(globex)).isEmpty();
    // appended while no page of either account is open: the pages replayed or loaded just before
    JsonObject a1 = append(acme, "a1");
    JsonObject g1 = append(globex, "g1");

    try (BridgeClient globexPage = page(globex)) {
      JsonObject g2 = append(globex, "g2");
      JsonObject a2 = append(acme, "a2");
      // g1 came before the reader started and still reaches the page, then g2 live
      Await.passes(Duration.ofSeconds(10), () -> assertThat(ids(globexPage.events())).containsExactly(g1.getString("id"), g2.getString("id")));
      assertThat(partitionsRead()).isEqualTo(1);
      assertThat(readerConnections(globex)).hasSize(1);
      // Acme's partition is not read at all: every event this node read is one the Globex page got
      assertThat(readerConnections(acme)).isEmpty();
      assertThat(eventsRead()).isEqualTo(globexPage.events().size());

      try (BridgeClient acmePage = page(acme)) {
        JsonObject a3 = append(acme, "a3");
        // the first page of Acme gets everything: what came before it (a1, a2) and live (a3) ...
        Await.passes(Duration.ofSeconds(10), () -> assertThat(ids(acmePage.events()))
            .containsExactly(a1.getString("id"), a2.getString("id"), a3.getString("id")));
        // ... and the replay says the same
        Http http = env.open(new Http(clients, node.baseUrl()));
        Http.Res replay = http.as(token(node, acme.adminId(), acme.accountId())).get("/api/v1/events?after=" + a1.getString("id"));
        assertThat(replay.status()).as(replay.text()).isEqualTo(200);
        assertThat(replay.items().stream().map(o -> ((JsonObject) o).getString("id")).toList())
            .containsExactly(a2.getString("id"), a3.getString("id"));
        assertThat(partitionsRead()).isEqualTo(2);
        assertThat(globexPage.events()).hasSize(2);
      }
      // Acme's last page left: its reader stops after the linger, Globex's keeps reading
      Await.until("Acme's partition reader to stop", Duration.ofSeconds(10), () -> readerConnections(acme).isEmpty());
      assertThat(partitionsRead()).isEqualTo(1);
      JsonObject g3 = append(globex, "g3");
      Await.passes(Duration.ofSeconds(10), () -> assertThat(ids(globexPage.events())).endsWith(g3.getString("id")));
    }
    Await.until("no partition read", Duration.ofSeconds(10), () -> partitionsRead() == 0 && readerConnections(globex).isEmpty());
  }
}
