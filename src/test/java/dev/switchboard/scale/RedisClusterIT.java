package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link RedisModesBase} on a Redis Cluster of six processes (three masters, three replicas). */
@DisplayName("the live log and timers on a Redis Cluster")
class RedisClusterIT extends RedisModesBase {

  @RegisterExtension
  static final Requires TOOL = RedisTopology.REQUIRED;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  @BeforeAll
  static void startCluster() {
    start(env, RedisTopology.Cluster.start());
  }

  @Test
  @Order(2)
  @DisplayName("each node reads the log over one connection per shard, and an append is pushed within milliseconds (a doorbell, not a poll)")
  void oneReaderPerShard() {
    RedisTopology.Cluster cluster = (RedisTopology.Cluster) redis;
    // the shard of every server: its master's id (a master's own)
    Map<Integer, String> shardOf = new HashMap<>();
    Map<String, Integer> portOf = new HashMap<>();
    String[] lines = RedisTopology.cli(cluster.ports.get(0), "cluster", "nodes").split("\n");
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      if (f.length >= 4) {
        portOf.put(f[0], Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@'))));
      }
    }
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      if (f.length >= 4) {
        shardOf.put(portOf.get(f[0]), f[2].contains("master") ? f[0] : f[3]);
      }
    }
    assertThat(shardOf.values().stream().distinct()).hasSize(3);
    for (TestNode node : List.of(nodeA, nodeB)) {
      String prefix = "name=switchboard-fanout-" + node.node.services().config().nodeId() + "-";
      Await.passes(Duration.ofSeconds(20), () -> {
        Map<String, List<String>> perShard = new HashMap<>();
        for (int port : cluster.ports) {
          for (String client : RedisTopology.cli(port, "client", "list").split("\n")) {
            if (client.contains(prefix)) {
              perShard.computeIfAbsent(shardOf.get(port), k -> new ArrayList<>()).add(client.substring(client.indexOf(prefix)).split(" ")[0]);
            }
          }
        }
        assertThat(perShard).as("fan-out connections of %s by shard", node.baseUrl()).hasSize(3);
        perShard.values().forEach(names -> assertThat(names).hasSize(1)
            .allMatch(n -> n.startsWith(prefix + "shard-"), "named as a shard's connection"));
      });
    }
    // FANOUT_BLOCK_MS (the safety poll) is 2 s: pushes well under it come by doorbell
    try (BridgeClient onB = client(nodeB)) {
      List<Long> millis = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        long start = System.nanoTime();
        String id = nodeA.node.services().events().append(acme.accountId(), "test.ring", null, new JsonObject().put("i", i))
            .await().getString("id");
        Await.until("event " + id + " pushed", Duration.ofSeconds(10),
            () -> onB.events("test.ring").stream().anyMatch(e -> id.equals(e.getString("id"))));
        millis.add((System.nanoTime() - start) / 1_000_000);
      }
      Collections.sort(millis);
      System.out.println("doorbell push, append to socket (ms, sorted): " + millis);
      assertThat(millis.get(millis.size() / 2)).as("median push time, ms").isLessThan(250);
      assertThat(millis.get(millis.size() - 1)).as("slowest push time, ms").isLessThan(1_500);
    }
  }

  @Test
  @Order(3)
  @DisplayName("a master killed mid-burst of 5,000 webhooks: both pages get every message.created once (pushed or replayed), timers fire once, push resumes within 5 s of the promotion")
  void masterKilledMidBurstTest() throws Exception {
    masterKilledMidBurst();
  }
}
