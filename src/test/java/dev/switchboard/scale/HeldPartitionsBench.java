package dev.switchboard.scale;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What FANOUT_HELD_ONLY saves when the balancer routes /eventbus by account: three nodes, each
 * holding the sockets of a third of the accounts (account i on node i mod 3, as a hash would
 * spread them), {@code EVENTS} events appended round-robin over the accounts. Per node: events
 * read from the log, XREAD calls, partitions read. With 12 accounts over 16 partitions, then with
 * 96 (six accounts a partition). Every node reads every partition (all) and only held ones
 * (held), alternating, same run. Not part of the build (its name matches no test pattern):
 * {@code mvn -B -q test -Dtest=HeldPartitionsBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@DisplayName("FANOUT_HELD_ONLY: events and XREADs per node with /eventbus routed by account")
class HeldPartitionsBench {

  static final int NODES = 3;
  static final int EVENTS = Integer.getInteger("bench.events", 6_000);

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().build();

  @Test
  void measure() throws Exception {
    TestDb db = env.db();
    Vertx clients = env.vertx();
    List<Seed.Account> all = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      all.add(Seed.account(db, "Held " + i));
    }
    System.out.println("BENCH held partitions, uptime: " + Files.readString(Path.of("/proc/loadavg")).trim()
        + ", cores " + Runtime.getRuntime().availableProcessors());
    for (int accounts : List.of(12, 96)) {
      for (boolean held : List.of(false, true)) {
        run(db, clients, all.subList(0, accounts), held);
      }
    }
  }

  static void run(TestDb db, Vertx clients, List<Seed.Account> accounts, boolean held) throws Exception {
    String prefix = "held-bench-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    List<TestNode> nodes = new ArrayList<>();
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      for (int n = 0; n < NODES; n++) {
        nodes.add(TestNode.start(db, prefix, new JsonObject().put("NODE_ID", prefix + n).put("FANOUT_HELD_ONLY", held)));
      }
      for (int i = 0; i < accounts.size(); i++) {
        Seed.Account a = accounts.get(i);
        TestNode node = nodes.get(i % NODES);
        String token = node.node.services().tokens().issue(a.adminId(), a.accountId(), "admin", "Admin");
        sockets.add(BridgeClient.connect(clients, node.port()).registered(node, Bus.accountAddress(a.accountId()), token));
      }
      double[] eventsBefore = new double[NODES];
      double[] readsBefore = new double[NODES];
      for (int n = 0; n < NODES; n++) {
        eventsBefore[n] = counter(nodes.get(n), "switchboard.fanout.events");
        readsBefore[n] = counter(nodes.get(n), "switchboard.fanout.reads");
      }
      long cpuBefore = processCpu();
      long started = System.nanoTime();
      List<Future<JsonObject>> appends = new ArrayList<>();
      for (int e = 0; e < EVENTS; e++) {
        Seed.Account a = accounts.get(e % accounts.size());
        appends.add(nodes.get(0).node.services().events().append(a.accountId(), Bus.MESSAGE_CREATED, 1L, new JsonObject().put("n", e)));
        if (appends.size() >= 200) {
          Future.all(appends).await();
          appends.clear();
        }
      }
      Future.all(appends).await();
      int perAccount = EVENTS / accounts.size();
      Await.until("every socket got its account's events", Duration.ofSeconds(120),
          () -> sockets.stream().allMatch(s -> s.events().size() >= perAccount));
      double seconds = (System.nanoTime() - started) / 1e9;
      long cpu = processCpu() - cpuBefore;
      StringBuilder line = new StringBuilder(String.format("BENCH accounts %d, %s: ", accounts.size(), held ? "held " : "all  "));
      double total = 0;
      for (int n = 0; n < NODES; n++) {
        double events = counter(nodes.get(n), "switchboard.fanout.events") - eventsBefore[n];
        double reads = counter(nodes.get(n), "switchboard.fanout.reads") - readsBefore[n];
        double partitions = held ? nodes.get(n).registry.get("switchboard.fanout.partitions").gauge().value() : 16;
        total += events;
        line.append(String.format("node %d read %.0f events in %.0f XREADs (%.0f partitions); ", n, events, reads, partitions));
        assertThat(events).isGreaterThanOrEqualTo((double) perAccount);
      }
      line.append(String.format("all nodes %.0f events read for %d appended; %.1f s; test JVM CPU %.1f s; load %s",
          total, EVENTS, seconds, cpu / 1e9, Files.readString(Path.of("/proc/loadavg")).trim()));
      System.out.println(line);
    } finally {
      sockets.forEach(BridgeClient::close);
      if (!nodes.isEmpty()) {
        var api = nodes.get(0).node.services().redis().api();
        List<String> keys = new ArrayList<>();
        api.keys(prefix + "*").await().forEach(k -> keys.add(k.toString()));
        if (!keys.isEmpty()) {
          api.del(keys).await();
        }
      }
      nodes.forEach(TestNode::close);
    }
  }

  /** CPU time of this JVM (the three nodes and the clients), in nanoseconds. */
  static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double counter(TestNode node, String name) {
    return node.registry.get(name).counter().count();
  }
}
