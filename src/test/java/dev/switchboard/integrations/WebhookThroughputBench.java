package dev.switchboard.integrations;

import dev.switchboard.common.Tokens;
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

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Outgoing webhook throughput (a benchmark, not a test: surefire runs only {@code *Test} classes;
 * {@code bench/webhooks/run.sh} names it). One node; RATE events/s for SECONDS written to the event
 * outbox of one account (spread over CONVERSATIONS conversations), fanned out to ENDPOINTS local
 * receivers that answer after DELAY_MS; SLOW=1 makes the first endpoint answer in 10 s. Prints
 * deliveries/s and the delivery latency (receipt − the event's commit) of the other endpoints.
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
    Map<String, List<long[]>> got = new ConcurrentHashMap<>();
    HttpServer server = env.vertx().createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long now = System.currentTimeMillis();
      JsonObject ev = new JsonObject(body.toString());
      long committed = Instant.parse(ev.getString("createdAt")).toEpochMilli();
      got.computeIfAbsent(req.path(), p -> new CopyOnWriteArrayList<>()).add(new long[] {Long.parseLong(ev.getString("id")), now - committed, now});
      long wait = SLOW && req.path().equals("/e0") ? 10_000 : DELAY_MS;
      env.vertx().setTimer(Math.max(1, wait), t -> req.response().setStatusCode(200).end());
    })).listen(0, "127.0.0.1").await();
    for (int i = 0; i < ENDPOINTS; i++) {
      Http.Res r = admin.post("/api/v1/webhook-endpoints", new JsonObject()
          .put("url", "http://127.0.0.1:" + server.actualPort() + "/e" + i).put("events", new JsonArray().add("*")));
      if (r.status() != 201) {
        throw new IllegalStateException(r.text());
      }
    }
    // the events as the outbox holds them; the relay positions them as it does every change's
    String insert = "INSERT INTO event_outbox (account_id, body) SELECT ?, json_build_object('type', 'conversation.updated', "
        + "'accountId', ?::text, 'conversationId', (1 + floor(random() * ?))::bigint::text, 'data', json_build_object('n', g))::text "
        + "FROM generate_series(1, ?) g";
    int perTick = Math.max(1, RATE / 20);
    long started = System.currentTimeMillis();
    int written = 0;
    for (int tick = 0; tick < SECONDS * 20; tick++) {
      Seed.exec(db, insert, acc.accountId(), String.valueOf(acc.accountId()), CONVERSATIONS, perTick);
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
    List<String> measured = new ArrayList<>();
    for (int i = SLOW ? 1 : 0; i < ENDPOINTS; i++) {
      measured.add("/e" + i);
    }
    while (System.currentTimeMillis() < deadline && measured.stream().anyMatch(p -> distinct(got.get(p)) < expected)) {
      Thread.sleep(100);
    }
    List<Long> latencies = new ArrayList<>();
    long last = 0;
    int delivered = 0;
    for (String p : measured) {
      List<long[]> hits = got.getOrDefault(p, List.of());
      delivered += distinct(hits);
      for (long[] h : hits) {
        latencies.add(h[1]);
        last = Math.max(last, h[2]);
      }
    }
    Collections.sort(latencies);
    System.out.printf("webhook bench: rate=%d/s seconds=%d endpoints=%d (measured %d) delay=%d ms concurrency=%s slow=%s%n",
        RATE, SECONDS, ENDPOINTS, measured.size(), DELAY_MS, System.getenv("CONCURRENCY"), SLOW);
    System.out.printf("written %d events in %.1f s; delivered %d of %d; %.0f deliveries/s over the run; "
            + "latency p50 %d ms, p99 %d ms, max %d ms; slow endpoint got %d%n",
        written, (writeEnd - started) / 1000.0, delivered, expected * measured.size(),
        delivered * 1000.0 / Math.max(1, last - started), pct(latencies, 0.50), pct(latencies, 0.99),
        latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1), SLOW ? distinct(got.get("/e0")) : -1);
    server.close().await();
  }

  static int distinct(List<long[]> hits) {
    return hits == null ? 0 : (int) hits.stream().mapToLong(h -> h[0]).distinct().count();
  }

  static long pct(List<Long> sorted, double q) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
