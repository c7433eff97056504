package dev.switchboard.integrations;

import dev.switchboard.common.Tokens;
import dev.switchboard.events.EventPublisher;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Outgoing webhook throughput (a benchmark, not a test: surefire runs only {@code *Test} classes;
 * {@code bench/webhooks/run.sh} names it). One node; RATE events/s for SECONDS written to the event
 * outbox of one account (spread over CONVERSATIONS conversations), fanned out to ENDPOINTS local
 * receivers that answer after DELAY_MS. CASES (comma-separated, default {@code none}) runs cases
 * one after the other on fresh endpoints: {@code none}, {@code slow} (the first endpoint answers in
 * 10 s; SLOW=1 alone means this case) and {@code refused} (the first endpoint is a closed port).
 * Prints, per case, deliveries/s and the delivery latency (receipt − the event's commit) of the
 * other endpoints, and the load average.
 */
class WebhookThroughputBench {

  static int env(String name, int dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
  }

  static final int RATE = env("RATE", 1000);
  static final int SECONDS = env("SECONDS", 10);
  static final int ENDPOINTS = env("ENDPOINTS", 10);
  static final int DELAY_MS = env("DELAY_MS", 20);
  static final int CONVERSATIONS = env("CONVERSATIONS", 100);
  static final boolean SLOW = env("SLOW", 0) == 1;
  /** The cases run one after the other in one run: none, slow, refused (see {@link #runCase}). */
  static final String CASES = System.getenv("CASES") == null || System.getenv("CASES").isBlank() ? "none" : System.getenv("CASES");

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true)
      .put("OUTGOING_WEBHOOK_POLL_MS", 20)
      .put("OUTGOING_WEBHOOK_TIMEOUT_MS", 15_000)
      .put("OUTGOING_WEBHOOK_CONCURRENCY", env("CONCURRENCY", 8))).build();

  @Test
  void fanOut() throws Exception {
    TestDb db = env.db();
    Seed.Account acc = Seed.account(db, "Bench");
    Http admin = env.http().as(new Tokens(env.node().vertx, TestNode.JWT_SECRET).issue(acc.adminId(), acc.accountId(), "admin", "Bench"));
    Map<String, Hits> got = new ConcurrentHashMap<>();
    HttpServer server = env.vertx().createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long now = System.currentTimeMillis();
      receiverThreads.add(Thread.currentThread().getId());
      JsonObject ev = new JsonObject(body.toString());
      long committed = Instant.parse(ev.getString("createdAt")).toEpochMilli();
      got.computeIfAbsent(req.path(), p -> new Hits()).add(Long.parseLong(ev.getString("id")), now - committed, now);
      long wait = req.path().endsWith("/slow") ? 10_000 : DELAY_MS;
      env.vertx().setTimer(Math.max(1, wait), t -> req.response().setStatusCode(200).end());
    })).listen(0, "127.0.0.1").await();
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    List<String> cases = new ArrayList<>(List.of(CASES.split(",")));
    if (SLOW && !cases.contains("slow")) {
      cases = List.of("slow");
    }
    for (String c : cases) {
      runCase(c.trim(), db, acc, admin, got, "http://127.0.0.1:" + server.actualPort(), closed);
    }
    server.close().await();
  }

  /**
   * One case, on endpoints of its own: {@code none} (all fast), {@code slow} (the first answers in
   * 10 s) or {@code refused} (the first is a closed port). The others are measured the same way in
   * every case, so the cases compare side by side.
   */
  void runCase(String kind, TestDb db, Seed.Account acc, Http admin, Map<String, Hits> got, String base, int closedPort)
      throws Exception {
    String tag = "/" + kind + "-" + System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ENDPOINTS; i++) {
      String url = i == 0 && kind.equals("refused") ? "http://127.0.0.1:" + closedPort + tag + "/e0"
          : base + tag + "/e" + i + (i == 0 && kind.equals("slow") ? "/slow" : "");
      Http.Res r = admin.post("/api/v1/webhook-endpoints", new JsonObject().put("url", url).put("events", new JsonArray().add("*")));
      if (r.status() != 201) {
        throw new IllegalStateException(r.text());
      }
      ids.add(r.json().getString("id"));
    }
    // the events as the outbox holds them; the relay positions them as it does every change's,
    // woken as a committing change wakes it
    String insert = "INSERT INTO event_outbox (account_id, body) SELECT ?, json_build_object('type', 'conversation.updated', "
        + "'accountId', ?::text, 'conversationId', (1 + floor(random() * ?))::bigint::text, 'data', json_build_object('n', g))::text "
        + "FROM generate_series(1, ?) g";
    int perTick = Math.max(1, RATE / 20);
    long cpuStart = cpuNanos();
    long receiverStart = cpuOf(receiverThreads);
    long mainStart = THREADS.getCurrentThreadCpuTime();
    Map<Long, Long> javaStart = javaThreadsCpu();
    long started = System.currentTimeMillis();
    int written = 0;
    for (int tick = 0; tick < SECONDS * 20; tick++) {
      Seed.exec(db, insert, acc.accountId(), String.valueOf(acc.accountId()), CONVERSATIONS, perTick);
      env.node().vertx.eventBus().publish(EventPublisher.COMMITTED, null);
      written += perTick;
      long due = started + (tick + 1) * 50L;
      long sleep = due - System.currentTimeMillis();
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
    }
    long writeEnd = System.currentTimeMillis();
    int expected = written;
    long deadline = System.currentTimeMillis() + 120_000;
    // the first endpoint is the odd one in the slow and refused cases: the other ones are compared
    List<String> measured = new ArrayList<>();
    for (int i = 1; i < ENDPOINTS; i++) {
      measured.add(tag + "/e" + i);
    }
    List<String> all = new ArrayList<>(measured);
    if (kind.equals("none")) {
      all.add(tag + "/e0");
    }
    while (System.currentTimeMillis() < deadline && all.stream().anyMatch(p -> distinct(got.get(p)) < expected)) {
      Thread.sleep(100);
    }
    long cpu = cpuNanos() - cpuStart;
    long receiverCpu = cpuOf(receiverThreads) - receiverStart;
    long mainCpu = THREADS.getCurrentThreadCpuTime() - mainStart;
    long javaCpu = 0;
    for (Map.Entry<Long, Long> t : javaThreadsCpu().entrySet()) {
      javaCpu += t.getValue() - javaStart.getOrDefault(t.getKey(), 0L);
    }
    long wall = System.currentTimeMillis() - started;
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    System.out.printf("webhook bench: case=%s rate=%d/s seconds=%d endpoints=%d delay=%d ms concurrency=%s load=[%s]%n",
        kind, RATE, SECONDS, ENDPOINTS, DELAY_MS, System.getenv("CONCURRENCY"), load);
    print("  the other " + measured.size(), measured, got, expected, started);
    // what this JVM (node, receiver and writer) spent, whatever share of the machine it got
    int deliveries = 0;
    int received = 0;
    for (String p : all) {
      received += got.containsKey(p) ? got.get(p).size() : 0;
    }
    for (Hits hits : got.values()) {
      deliveries += hits.size();
    }
    System.out.printf("  this JVM's CPU over the case: %.1f s in %.1f s (%.2f cores); deliveries received so far in the run: %d%n",
        cpu / 1e9, wall / 1000.0, cpu / 1e6 / Math.max(1, wall), deliveries);
    // the node's share: the JVM less the receiver's event loop and the writer (this thread); GC and JIT stay in it
    long node = cpu - receiverCpu - mainCpu;
    System.out.printf("  node CPU (JVM less receiver %.1f s and writer %.1f s): %.1f s, %.0f µs per delivery (%d received in the case)%n",
        receiverCpu / 1e9, mainCpu / 1e9, node / 1e9, node / 1e3 / Math.max(1, received), received);
    // the same without the JVM's own threads (GC, JIT): what the delivery code itself costs, warm
    long nodeJava = javaCpu - receiverCpu - mainCpu;
    System.out.printf("  node CPU in Java threads (GC and JIT %.1f s apart): %.1f s, %.0f µs per delivery%n",
        (cpu - javaCpu) / 1e9, nodeJava / 1e9, nodeJava / 1e3 / Math.max(1, received));
    if (kind.equals("none")) {
      print("  all " + all.size(), all, got, expected, started);
      // the offered rate: on a loaded machine the writer falls behind, and the latencies follow it
      System.out.printf("  written %d events in %.1f s%n", written, (writeEnd - started) / 1000.0);
    } else {
      System.out.printf("  written %d events in %.1f s; the %s endpoint got %d%n", written, (writeEnd - started) / 1000.0, kind,
          distinct(got.get(tag + "/e0" + (kind.equals("slow") ? "/slow" : ""))));
    }
    // the relay's share of the latency: from an event's insert to its append (positions commit just before)
    StringBuilder relay = new StringBuilder();
    for (String line : env.http().metrics().text().split("\n")) {
      if (line.startsWith("switchboard_event_relay_lag_seconds{") || line.startsWith("switchboard_event_relay_lag_seconds_max")) {
        relay.append(' ').append(line.replaceAll("switchboard_event_relay_lag_seconds", ""));
      }
    }
    System.out.printf("  relay lag (s, since the node started):%s%n", relay);
    for (String id : ids) {
      admin.delete("/api/v1/webhook-endpoints/" + id);
    }
  }

  static void print(String what, List<String> paths, Map<String, Hits> got, int expected, long started) {
    List<Long> latencies = new ArrayList<>();
    long last = 0;
    int delivered = 0;
    for (String p : paths) {
      Hits hits = got.getOrDefault(p, new Hits());
      delivered += hits.distinct();
      synchronized (hits) {
        for (long[] h : hits.all) {
          latencies.add(h[1]);
          last = Math.max(last, h[2]);
        }
      }
    }
    Collections.sort(latencies);
    System.out.printf("%s: delivered %d of %d; %.0f deliveries/s over the run; latency p50 %d ms, p99 %d ms, max %d ms%n",
        what, delivered, expected * paths.size(), delivered * 1000.0 / Math.max(1, last - started), pct(latencies, 0.50),
        pct(latencies, 0.99), latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1));
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static int distinct(Hits hits) {
    return hits == null ? 0 : hits.distinct();
  }

  /** The receiver's thread(s): their CPU is the bench's, not the node's. */
  static final java.util.Set<Long> receiverThreads = ConcurrentHashMap.newKeySet();
  static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

  /** Every live Java thread's CPU, by id. */
  static Map<Long, Long> javaThreadsCpu() {
    Map<Long, Long> out = new java.util.HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t >= 0) {
        out.put(id, t);
      }
    }
    return out;
  }

  static long cpuOf(java.util.Set<Long> threads) {
    long sum = 0;
    for (long id : threads) {
      sum += Math.max(0, THREADS.getThreadCpuTime(id));
    }
    return sum;
  }

  /**
   * What one path received: every hit ({id, latency, receipt}) and its distinct ids, kept as they
   * come, so the receiver and the wait loop cost the same per hit however many came before.
   */
  static final class Hits {
    final List<long[]> all = new ArrayList<>();
    final java.util.Set<Long> ids = new java.util.HashSet<>();

    synchronized void add(long id, long latency, long at) {
      all.add(new long[] {id, latency, at});
      ids.add(id);
    }

    synchronized int size() {
      return all.size();
    }

    synchronized int distinct() {
      return ids.size();
    }
  }

  static long pct(List<Long> sorted, double q) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
