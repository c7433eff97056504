package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Requires;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster (3 masters, 3 replicas) or a Sentinel group (1 master, 1 replica, 3 sentinels)
 * of the test's own, started from the {@code redis-server} and {@code redis-cli} binaries, without
 * persistence. {@link #killMaster} kills the master serving a key with SIGKILL, as a crash does.
 */
abstract class RedisTopology implements AutoCloseable {

  static final Requires REQUIRED = Requires.tool(PrivateServers.redisAvailable() && redisCli() != null,
      "redis-server and redis-cli are not installed: apt-get install redis-server redis-tools (.ci/servers does)");

  final Path dir;
  final Map<Integer, Process> servers = new LinkedHashMap<>();

  RedisTopology() {
    try {
      dir = Files.createTempDirectory("sb-redis-topology");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** REDIS_MODE for the nodes. */
  abstract String mode();

  /** REDIS_URL for the nodes: every endpoint, comma-separated. */
  abstract String url();

  /** Kills the master that serves {@code key} (unprefixed hash tags work: the slot is the tag's). */
  abstract int killMaster(String key);

  static String redisCli() {
    for (String p : List.of("/usr/bin/redis-cli", "/usr/local/bin/redis-cli")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  void launch(int port, String... extra) {
    List<String> cmd = new ArrayList<>(List.of(PrivateServers.redisBinary()));
    cmd.addAll(List.of(extra));
    cmd.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString()));
    if (!List.of(extra).contains("--sentinel")) {
      cmd.addAll(List.of("--save", "", "--appendonly", "no"));
    }
    try {
      servers.put(port, new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server: " + e.getMessage(), e);
    }
    Await.until("redis on " + port, Duration.ofSeconds(10), () -> dev.switchboard.embedded.EmbeddedServers.ping(port));
  }

  static String cli(int port, String... args) {
    List<String> cmd = new ArrayList<>(List.of(redisCli(), "-h", "127.0.0.1", "-p", String.valueOf(port)));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " timed out");
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void kill(int port) {
    Process p = servers.remove(port);
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // Ports whose neighbour 10000 up (a cluster node's bus port) is free too, both below the ephemeral range.
  static int freePort() {
    for (int i = 0; i < 200; i++) {
      int p = 10_000 + ThreadLocalRandom.current().nextInt(12_000);
      if (free(p) && free(p + 10_000)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port pair");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    for (Process p : servers.values()) {
      p.destroyForcibly();
    }
    for (Process p : servers.values()) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    servers.clear();
    PrivateServers.deleteTree(dir);
  }

  /** Six cluster nodes: three masters with one replica each; a dead master's replica takes over after 1 s. */
  static final class Cluster extends RedisTopology {
    final List<Integer> ports = new ArrayList<>();

    static Cluster start() {
      Cluster c = new Cluster();
      try {
        for (int i = 0; i < 6; i++) {
          int port = freePort();
          c.ports.add(port);
          c.launch(port, "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
              "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0");
        }
        List<String> create = new ArrayList<>(List.of("--cluster", "create"));
        for (int p : c.ports) {
          create.add("127.0.0.1:" + p);
        }
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = cli(c.ports.get(0), create.toArray(String[]::new));
        if (!out.contains("All 16384 slots covered")) {
          throw new IllegalStateException("redis-cli --cluster create failed: " + out);
        }
        c.awaitHealthy();
        return c;
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }

    /** Every live node sees all slots served, and every master has its replica. */
    void awaitHealthy() {
      Await.until("the cluster to be ok", Duration.ofSeconds(30), () -> servers.keySet().stream()
          .allMatch(p -> cli(p, "cluster", "info").contains("cluster_state:ok")));
    }

    @Override
    String mode() {
      return "cluster";
    }

    @Override
    String url() {
      return String.join(",", ports.stream().map(p -> "redis://127.0.0.1:" + p).toList());
    }

    @Override
    int killMaster(String key) {
      int port = masterOf(key);
      kill(port);
      return port;
    }

    /** The port of the live master serving {@code key}'s slot now. */
    int masterOf(String key) {
      int any = servers.keySet().iterator().next();
      String slot = cli(any, "cluster", "keyslot", key).trim();
      // "host:port" of the node that serves the slot now
      String[] nodes = cli(any, "cluster", "nodes").split("\n");
      int s = Integer.parseInt(slot);
      for (String line : nodes) {
        String[] f = line.trim().split(" ");
        if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
          continue;
        }
        for (int i = 8; i < f.length; i++) {
          String[] range = f[i].split("-");
          int lo = Integer.parseInt(range[0]);
          int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
          if (s >= lo && s <= hi) {
            return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
          }
        }
      }
      throw new IllegalStateException("no master serves slot " + slot);
    }

    /** Moves {@code slot} with its keys from the master on {@code from} to the master on {@code to}, as resharding does. */
    void moveSlot(int slot, int from, int to) {
      String s = String.valueOf(slot);
      String fromId = cli(from, "cluster", "myid").trim();
      String toId = cli(to, "cluster", "myid").trim();
      cli(to, "cluster", "setslot", s, "importing", fromId);
      cli(from, "cluster", "setslot", s, "migrating", toId);
      while (true) {
        String keys = cli(from, "cluster", "getkeysinslot", s, "100").trim();
        if (keys.isEmpty()) {
          break;
        }
        List<String> migrate = new ArrayList<>(List.of("migrate", "127.0.0.1", String.valueOf(to), "", "0", "5000", "KEYS"));
        migrate.addAll(List.of(keys.split("\n")));
        String out = cli(from, migrate.toArray(String[]::new));
        if (!out.contains("OK")) {
          throw new IllegalStateException("MIGRATE failed: " + out);
        }
      }
      // the new owner first, then the old, then the rest (a replica refuses SETSLOT: it learns by gossip)
      List<Integer> order = new ArrayList<>(List.of(to, from));
      servers.keySet().stream().filter(p -> p != to && p != from).forEach(order::add);
      for (int port : order) {
        cli(port, "cluster", "setslot", s, "node", toId);
      }
    }

    /** Every live server's shard: its master's node id (a master's own). */
    Map<Integer, String> shards() {
      String[] lines = cli(servers.keySet().iterator().next(), "cluster", "nodes").split("\n");
      Map<String, Integer> portOf = new LinkedHashMap<>();
      for (String line : lines) {
        String[] f = line.trim().split(" ");
        if (f.length >= 4) {
          portOf.put(f[0], Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@'))));
        }
      }
      Map<Integer, String> shardOf = new LinkedHashMap<>();
      for (String line : lines) {
        String[] f = line.trim().split(" ");
        if (f.length >= 4 && servers.containsKey(portOf.get(f[0]))) {
          shardOf.put(portOf.get(f[0]), f[2].contains("master") ? f[0] : f[3]);
        }
      }
      return shardOf;
    }
  }

  /** One master, one replica, three sentinels (quorum 2) watching it as "mymaster"; failover after 1 s. */
  static final class Sentinel extends RedisTopology {
    static final String MASTER = "mymaster";
    int master;
    int replica;
    final List<Integer> sentinels = new ArrayList<>();

    static Sentinel start() {
      Sentinel s = new Sentinel();
      try {
        s.master = freePort();
        s.replica = freePort();
        s.launch(s.master);
        s.launch(s.replica, "--replicaof", "127.0.0.1", String.valueOf(s.master));
        for (int i = 0; i < 3; i++) {
          int port = freePort();
          Path conf = s.dir.resolve("sentinel-" + port + ".conf");
          Files.writeString(conf, String.join("\n",
              "sentinel monitor " + MASTER + " 127.0.0.1 " + s.master + " 2",
              "sentinel down-after-milliseconds " + MASTER + " 1000",
              "sentinel failover-timeout " + MASTER + " 5000",
              "sentinel parallel-syncs " + MASTER + " 1", ""));
          s.sentinels.add(port);
          s.launch(port, conf.toString(), "--sentinel");
        }
        Await.until("the sentinels to see the replica", Duration.ofSeconds(30), () -> s.sentinels.stream()
            .allMatch(p -> cli(p, "sentinel", "replicas", MASTER).contains(String.valueOf(s.replica))));
        return s;
      } catch (IOException e) {
        s.close();
        throw new IllegalStateException(e);
      } catch (RuntimeException e) {
        s.close();
        throw e;
      }
    }

    @Override
    String mode() {
      return "sentinel";
    }

    @Override
    String url() {
      return String.join(",", sentinels.stream().map(p -> "redis://127.0.0.1:" + p).toList());
    }

    /** The master the sentinels name now. */
    int currentMaster() {
      String[] lines = cli(sentinels.get(0), "sentinel", "get-master-addr-by-name", MASTER).trim().split("\n");
      return Integer.parseInt(lines[lines.length - 1].trim());
    }

    @Override
    int killMaster(String key) {
      int port = currentMaster();
      kill(port);
      return port;
    }
  }
}
