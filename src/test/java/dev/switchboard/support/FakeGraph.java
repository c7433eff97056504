package dev.switchboard.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one fake allowed: a local HTTP server that answers as the Graph API does, from the
 * fixtures. It records every request; tests queue answers per route (method + path prefix)
 * or set a default answer. Unmatched requests answer Graph's own 404-style error.
 */
public final class FakeGraph implements AutoCloseable {

  /** A recorded request. */
  public record Call(String method, String path, String query, Map<String, String> headers, String body) {
    public JsonObject json() {
      return body == null || body.isEmpty() ? null : new JsonObject(body);
    }
  }

  /** An answer: status, body, optional delay in ms. */
  public record Answer(int status, String body, long delayMs) {
    public static Answer ok(String fixture) {
      return new Answer(200, new String(Fixtures.bytes(fixture)), 0);
    }

    public static Answer fixture(int status, String fixture) {
      return new Answer(status, new String(Fixtures.bytes(fixture)), 0);
    }

    public static Answer json(int status, JsonObject body) {
      return new Answer(status, body.encode(), 0);
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Call> arrivals = new LinkedBlockingQueue<>();
  private final Map<String, Deque<Answer>> queued = new ConcurrentHashMap<>();
  private final Map<String, Function<Call, Answer>> defaults = new ConcurrentHashMap<>();

  private FakeGraph(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  public static FakeGraph start(Vertx vertx) {
    FakeGraph g = new FakeGraph(vertx);
    g.server.listen(0, "127.0.0.1").await();
    return g;
  }

  /** The value for GRAPH_API_URL. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/v21.0";
  }

  /** Queues one answer for the next request whose path (after /v21.0) starts with {@code pathPrefix}. */
  public FakeGraph enqueue(String method, String pathPrefix, Answer answer) {
    queued.computeIfAbsent(method + " " + pathPrefix, k -> new ArrayDeque<>()).addLast(answer);
    return this;
  }

  /** The answer for every request on that route when nothing is queued. */
  public FakeGraph respond(String method, String pathPrefix, Function<Call, Answer> answer) {
    defaults.put(method + " " + pathPrefix, answer);
    return this;
  }

  public FakeGraph respond(String method, String pathPrefix, Answer answer) {
    return respond(method, pathPrefix, c -> answer);
  }

  public List<Call> calls() {
    return new ArrayList<>(calls);
  }

  public List<Call> calls(String method, String pathPrefix) {
    return calls.stream().filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix)).toList();
  }

  /** Waits for the next request to arrive (null after the timeout). */
  public Call next(long timeoutMs) throws InterruptedException {
    return arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  public void reset() {
    calls.clear();
    arrivals.clear();
    queued.clear();
    defaults.clear();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      String path = req.path().startsWith("/v21.0") ? req.path().substring("/v21.0".length()) : req.path();
      Map<String, String> headers = new ConcurrentHashMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      Call call = new Call(req.method().name(), path, req.query(), headers, buf.toString());
      calls.add(call);
      arrivals.add(call);
      Answer refused = whatsappAddressing(call);
      Answer a = refused != null ? refused : pick(call);
      Runnable reply = () -> req.response().setStatusCode(a.status())
          .putHeader("Content-Type", "application/json")
          .end(Buffer.buffer(a.body()));
      if (a.delayMs() > 0) {
        vertx.setTimer(a.delayMs(), t -> reply.run());
      } else {
        reply.run();
      }
    });
  }

  private static final java.util.regex.Pattern BSUID = java.util.regex.Pattern.compile("[A-Za-z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]{1,128}");

  /**
   * A WhatsApp send names its customer by {@code to} (a phone) or {@code recipient} (a BSUID),
   * exactly one of them: anything else is refused as Graph refuses a bad parameter, so a test
   * sees a wrongly addressed reply fail instead of pass.
   */
  static Answer whatsappAddressing(Call call) {
    if (!"POST".equals(call.method()) || !call.path().endsWith("/messages") || call.body() == null || call.body().isEmpty()) {
      return null;
    }
    JsonObject body;
    try {
      body = new JsonObject(call.body());
    } catch (RuntimeException e) {
      return null;
    }
    if (!"whatsapp".equals(body.getValue("messaging_product"))) {
      return null;
    }
    Object to = body.getValue("to");
    Object recipient = body.getValue("recipient");
    String problem = null;
    if (to != null && recipient != null) {
      problem = "give either 'to' or 'recipient', not both";
    } else if (to == null && recipient == null) {
      problem = "(#100) The parameter to is required.";
    } else if (recipient != null && !(recipient instanceof String r && BSUID.matcher(r).matches())) {
      problem = "(#100) Invalid parameter: 'recipient' must be a business-scoped user ID";
    } else if (to instanceof String t && BSUID.matcher(t).matches()) {
      problem = "(#100) Invalid parameter: a business-scoped user ID goes in 'recipient', not 'to'";
    }
    return problem == null ? null : new Answer(400, new JsonObject().put("error", new JsonObject()
        .put("message", problem).put("type", "OAuthException").put("code", 100)).encode(), 0);
  }

  private Answer pick(Call call) {
    String best = null;
    for (String key : queued.keySet()) {
      if (matches(key, call) && !queued.get(key).isEmpty() && (best == null || key.length() > best.length())) {
        best = key;
      }
    }
    if (best != null) {
      Answer a = queued.get(best).pollFirst();
      if (a != null) {
        return a;
      }
    }
    String bestDefault = null;
    for (String key : defaults.keySet()) {
      if (matches(key, call) && (bestDefault == null || key.length() > bestDefault.length())) {
        bestDefault = key;
      }
    }
    if (bestDefault != null) {
      return defaults.get(bestDefault).apply(call);
    }
    return new Answer(400, new JsonObject().put("error", new JsonObject()
        .put("message", "Unsupported request - method type: " + call.method().toLowerCase())
        .put("type", "GraphMethodException").put("code", 100)).encode(), 0);
  }

  private static boolean matches(String key, Call call) {
    int sp = key.indexOf(' ');
    return key.substring(0, sp).equals(call.method()) && call.path().startsWith(key.substring(sp + 1));
  }

  @Override
  public void close() {
    server.close().await();
  }
}
