package dev.switchboard.integrations;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A real HTTP server receiving outgoing webhooks: each path keeps what it was sent and answers
 * by a rule of its own (status by request number; 0 holds the request unanswered).
 */
final class Receiver implements AutoCloseable {

  record Hit(String path, String eventId, String timestamp, String signature, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  final List<Hit> hits = new CopyOnWriteArrayList<>();
  private final Map<String, IntUnaryOperator> rules = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, Long> delays = new ConcurrentHashMap<>();
  private final Map<String, java.util.function.Predicate<Hit>> refusals = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  /** The most requests a path had in flight at once. */
  final Map<String, Integer> maxInFlight = new ConcurrentHashMap<>();

  Receiver(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** How {@code path} answers its n-th request (1-based): a status, or 0 to never answer. */
  void rule(String path, IntUnaryOperator statusOfRequest) {
    rules.put(path, statusOfRequest);
  }

  /** {@code path} answers each request only after {@code ms}. */
  void delay(String path, long ms) {
    delays.put(path, ms);
  }

  /** {@code path} answers 500 to the requests {@code refuse} picks (and records them like the others). */
  void refuse(String path, java.util.function.Predicate<Hit> refuse) {
    refusals.put(path, refuse);
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      String path = req.path();
      Hit hit = new Hit(path, req.getHeader("Switchboard-Event-Id"), req.getHeader("Switchboard-Timestamp"),
          req.getHeader("Switchboard-Signature"), body.toString(StandardCharsets.UTF_8));
      hits.add(hit);
      int n = counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      int status = refusals.containsKey(path) && refusals.get(path).test(hit) ? 500 : rules.getOrDefault(path, i -> 200).applyAsInt(n);
      if (status > 0) {
        AtomicInteger now = inFlight.computeIfAbsent(path, p -> new AtomicInteger());
        maxInFlight.merge(path, now.incrementAndGet(), Math::max);
        vertx.setTimer(Math.max(1, delays.getOrDefault(path, 0L)), t -> {
          now.decrementAndGet();
          req.response().setStatusCode(status).end("answer " + n);
        });
      }
    });
  }

  List<Hit> at(String path) {
    List<Hit> out = new ArrayList<>();
    for (Hit h : hits) {
      if (h.path().equals(path)) {
        out.add(h);
      }
    }
    return out;
  }

  /** The distinct event ids received at {@code path}, in the order first received. */
  List<String> distinctIds(String path) {
    Map<String, Boolean> seen = new LinkedHashMap<>();
    at(path).forEach(h -> seen.putIfAbsent(h.eventId(), true));
    return new ArrayList<>(seen.keySet());
  }

  /** A receiver's check, written from the documentation (not the node's code): any v1 entry that matches. */
  static boolean verifies(Hit h, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected = HexFormat.of().formatHex(mac.doFinal((h.timestamp() + "." + h.body()).getBytes(StandardCharsets.UTF_8)));
      for (String part : h.signature().split(",")) {
        if (part.trim().equals("v1=" + expected)) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close().await();
  }
}
