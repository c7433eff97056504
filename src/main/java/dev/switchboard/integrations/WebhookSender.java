package dev.switchboard.integrations;

import dev.switchboard.common.Times;
import dev.switchboard.config.Config;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;

/** One signed POST of an event to an endpoint, bounded in time and in what it reads back; and its log row. */
final class WebhookSender {

  /** The most of an answer kept in the delivery log; the rest is read no further than {@link #READ_MAX}. */
  static final int RESPONSE_KEPT = 1024;
  static final int READ_MAX = 64 * 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final Config.Outgoing conf;

  WebhookSender(Vertx vertx, HttpClient client, Config.Outgoing conf) {
    this.vertx = vertx;
    this.client = client;
    this.conf = conf;
  }

  /** What is POSTed for the outbox row at {@code pos}: {@code {id, type, accountId, conversationId, createdAt, data}}. */
  static JsonObject payload(long pos, String storedBody, OffsetDateTime createdAt) {
    JsonObject stored = new JsonObject(storedBody);
    return new JsonObject()
        .put("id", String.valueOf(pos))
        .put("type", stored.getString("type"))
        .put("accountId", stored.getString("accountId"))
        .put("conversationId", stored.getString("conversationId"))
        .put("createdAt", Times.iso(createdAt))
        .put("data", stored.getJsonObject("data"));
  }

  /** Writes one attempt to the delivery log. */
  static Future<Void> log(SqlClient sql, long endpointId, long accountId, JsonObject payload, int attempt, Attempt a) {
    return sql.preparedQuery(WebhookSql.LOG).execute(Tuple.from(new Object[] {
        endpointId, accountId, payload.getString("id"), payload.getString("type"), attempt, a.ok(),
        a.status() == 0 ? null : a.status(), a.error(), (int) Math.min(Integer.MAX_VALUE, a.latencyMs()), a.response()}))
        .mapEmpty();
  }

  /** Writes a round's attempts to the log in one statement (payloads and attempts side by side). */
  static Future<Void> logAll(SqlClient sql, long endpointId, long accountId, java.util.List<Body> payloads, int attempt,
                             java.util.List<Attempt> attempts) {
    int n = payloads.size();
    String[] ids = new String[n];
    String[] types = new String[n];
    Integer[] tries = new Integer[n];
    Boolean[] oks = new Boolean[n];
    Integer[] statuses = new Integer[n];
    String[] errors = new String[n];
    Integer[] latencies = new Integer[n];
    String[] responses = new String[n];
    for (int i = 0; i < n; i++) {
      Attempt a = attempts.get(i);
      ids[i] = payloads.get(i).id();
      types[i] = payloads.get(i).type();
      tries[i] = attempt;
      oks[i] = a.ok();
      statuses[i] = a.status() == 0 ? null : a.status();
      errors[i] = a.error();
      latencies[i] = (int) Math.min(Integer.MAX_VALUE, a.latencyMs());
      responses[i] = a.response();
    }
    return sql.preparedQuery(WebhookSql.LOG_MANY).execute(Tuple.from(new Object[] {
        endpointId, accountId, ids, types, tries, oks, statuses, errors, latencies, responses})).mapEmpty();
  }

  /** One attempt's outcome: a status (0 when none came) or an error, its latency and the start of the answer. */
  record Attempt(int status, String error, long latencyMs, String response) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /**
   * An endpoint's destination for a round of deliveries: its URL taken apart once, the address its
   * host resolved to (checked, see {@link UrlGuard#resolve}), and its secrets.
   */
  record Target(String url, boolean ssl, String host, int port, String pathAndQuery, String address, String secret,
                String previousSecret) {
  }

  /** An event as it is POSTed: encoded once, the same bytes signed and sent to every endpoint. */
  record Body(String id, String type, String conversationId, byte[] bytes) {
    static Body of(JsonObject payload) {
      return new Body(payload.getString("id"), payload.getString("type"), payload.getString("conversationId"),
          payload.encode().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Resolves the URL's host now and checks the address (DNS rebinding): the deliveries that follow connect to it. */
  Future<Target> target(String url, String secret, String previousSecret) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    return UrlGuard.resolve(vertx, uri, conf.allowPrivate()).map(addr -> new Target(url, "https".equalsIgnoreCase(uri.getScheme()),
        uri.getHost(), UrlGuard.port(uri), pathAndQuery, addr.getHostAddress(), secret, previousSecret));
  }

  /** POSTs the event to the address the URL resolves to now, checked again (DNS rebinding). */
  Future<Attempt> deliver(String url, String secret, String previousSecret, JsonObject payload) {
    return deliver(target(url, secret, previousSecret), Body.of(payload));
  }

  /** POSTs the event to the target once it is resolved; a target that failed to resolve is this attempt's failure. */
  Future<Attempt> deliver(Future<Target> target, Body body) {
    long started = System.nanoTime();
    long timestamp = System.currentTimeMillis() / 1000;
    HttpClientRequest[] sent = new HttpClientRequest[1];
    boolean[] over = {false};
    return target
        .compose(t -> client.request(new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setSsl(t.ssl())
            .setHost(t.host())
            .setPort(t.port())
            .setURI(t.pathAndQuery())
            .setServer(SocketAddress.inetSocketAddress(t.port(), t.address()))
            .setFollowRedirects(false))
            .map(req -> {
              if (over[0]) {
                // the attempt timed out while the connection was made: nothing is sent on it
                req.reset();
                throw new IllegalStateException("attempt already timed out");
              }
              sent[0] = req;
              req.putHeader("Content-Type", "application/json")
                  .putHeader("User-Agent", "Switchboard-Webhooks/1")
                  .putHeader("Switchboard-Event-Id", body.id())
                  .putHeader("Switchboard-Timestamp", String.valueOf(timestamp))
                  .putHeader("Switchboard-Signature", Signatures.header(t.secret(), t.previousSecret(), timestamp, body.bytes()));
              return req;
            }))
        .compose(req -> req.send(Buffer.buffer(body.bytes())))
        .compose(resp -> {
          Promise<Attempt> p = Promise.promise();
          Buffer kept = Buffer.buffer();
          long[] seen = {0};
          resp.handler(chunk -> {
            seen[0] += chunk.length();
            if (kept.length() < RESPONSE_KEPT) {
              kept.appendBuffer(chunk.slice(0, Math.min(chunk.length(), RESPONSE_KEPT - kept.length())));
            }
            if (seen[0] > READ_MAX) {
              // the rest of an oversized answer is not read: the status is all that counts
              resp.request().reset();
              p.tryComplete(attempt(resp.statusCode(), null, started, kept));
            }
          });
          resp.exceptionHandler(err -> p.tryComplete(attempt(resp.statusCode(), null, started, kept)));
          resp.endHandler(v -> p.tryComplete(attempt(resp.statusCode(), null, started, kept)));
          return p.future();
        })
        // the one timer of a delivery: it bounds the whole attempt and resets a request it cuts short
        .timeout(conf.timeoutMs(), TimeUnit.MILLISECONDS)
        .recover(err -> {
          over[0] = true;
          if (sent[0] != null) {
            sent[0].reset();
          }
          String why = err instanceof java.util.concurrent.TimeoutException || err instanceof io.vertx.core.http.StreamResetException
              ? "no answer within " + conf.timeoutMs() + " ms"
              : err instanceof dev.switchboard.common.ApiException api ? api.getMessage()
              : err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
          return Future.succeededFuture(new Attempt(0, why.length() > 500 ? why.substring(0, 500) : why,
              (System.nanoTime() - started) / 1_000_000, null));
        });
  }

  private static Attempt attempt(int status, String error, long started, Buffer kept) {
    String text = new String(kept.getBytes(), StandardCharsets.UTF_8).replace("\u0000", "");
    return new Attempt(status, error, (System.nanoTime() - started) / 1_000_000, text);
  }
}
