package dev.switchboard.ingress;

import io.vertx.sqlclient.Pool;
import dev.switchboard.config.Config;
import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.http.Errors;
import dev.switchboard.store.Bus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

/**
 * {@code /webhooks/{platform}}: the GET verification handshake, and POST: size limit, memory
 * budget and idle cut-off while the body streams in, signature over the raw bytes as they
 * arrive, JSON check, durable group commit, then 200.
 * One instance per HTTP verticle, so its {@link GroupCommit} belongs to that event loop.
 */
public final class WebhookRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookRoutes.class);

  private final Signatures signatures;
  private final GroupCommit commits;
  private final int maxBytes;
  private final byte[] verifyToken;
  private final Counter stored;
  private final Counter refused;
  private final Counter busyRefused;
  private final Counter idleClosed;
  private final Vertx vertx;
  private final PendingBodies pending;
  private final long idleTimeoutMs;

  public WebhookRoutes(Vertx vertx, Pool pool, Config config, MeterRegistry m) {
    this.signatures = new Signatures(config.metaAppSecret());
    this.maxBytes = config.webhookMaxBytes();
    String token = config.metaVerifyToken();
    this.verifyToken = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.stored = m == null ? null : Counter.builder("switchboard_webhooks_stored").register(m);
    this.refused = m == null ? null : Counter.builder("switchboard_webhooks_refused").register(m);
    this.busyRefused = m == null ? null : Counter.builder("switchboard_webhooks_busy")
        .description("webhooks refused with 503 because unverified bodies filled INGRESS_MAX_PENDING_BYTES").register(m);
    this.idleClosed = m == null ? null : Counter.builder("switchboard_webhooks_idle_closed")
        .description("webhook requests closed after INGRESS_IDLE_TIMEOUT_MS without a body byte").register(m);
    this.vertx = vertx;
    this.pending = PendingBodies.of(vertx, config.ingress().maxPendingBytes(), m);
    this.idleTimeoutMs = config.ingress().idleTimeoutMs();
    this.commits = new GroupCommit(vertx, pool, Bus.RAW_STORED,
        config.ingress().maxInFlight(),
        config.ingress().maxBatch(),
        Math.max(maxBytes, 16L * 1024 * 1024),
        m == null ? null : Counter.builder("switchboard_raw_inserts").description("group-commit INSERT statements").register(m));
  }

  public void mount(Router root) {
    root.get("/webhooks/:platform").handler(this::verify);
    root.post("/webhooks/:platform").handler(this::receive);
  }

  private void verify(RoutingContext ctx) {
    if (!WebhookParsers.PLATFORMS.contains(ctx.pathParam("platform"))) {
      error(ctx, 404, "not_found", "unknown platform");
      return;
    }
    String mode = ctx.request().getParam("hub.mode");
    String token = ctx.request().getParam("hub.verify_token");
    String challenge = ctx.request().getParam("hub.challenge");
    boolean ok = "subscribe".equals(mode) && verifyToken != null && token != null && challenge != null
        && MessageDigest.isEqual(verifyToken, token.getBytes(StandardCharsets.UTF_8));
    if (!ok) {
      error(ctx, 403, "forbidden", "verification token mismatch");
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(challenge);
  }

  private void receive(RoutingContext ctx) {
    String platform = ctx.pathParam("platform");
    HttpServerRequest req = ctx.request();
    if (!WebhookParsers.PLATFORMS.contains(platform)) {
      error(ctx, 404, "not_found", "unknown platform");
      return;
    }
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && parse(declared) > maxBytes) {
      tooLarge(ctx);
      discard(req, 0);
      return;
    }
    if (pending.full()) {
      busy(ctx);
      return;
    }
    new Incoming(ctx, platform).start();
  }

  /**
   * One webhook body as it streams in: hashed chunk by chunk, kept in a buffer that grows only with
   * the bytes that actually arrived (never sized from {@code Content-Length}), and counted against
   * the node's {@link PendingBodies} budget until the signature has been checked. A sender that
   * goes quiet for {@code INGRESS_IDLE_TIMEOUT_MS} is cut off. Runs on the verticle's event loop.
   */
  private final class Incoming {
    private final RoutingContext ctx;
    private final HttpServerRequest req;
    private final String platform;
    private final Signatures.Check check = signatures.start();
    private final Buffer body = Buffer.buffer(1024);
    private long held;
    private long lastByteNanos = System.nanoTime();
    private long timer = -1;
    private boolean done;

    Incoming(RoutingContext ctx, String platform) {
      this.ctx = ctx;
      this.req = ctx.request();
      this.platform = platform;
    }

    void start() {
      req.handler(this::chunk);
      req.exceptionHandler(err -> {
        LOG.debug("webhook request failed while reading: {}", err.toString());
        finish();
      });
      req.endHandler(v -> end());
      timer = vertx.setTimer(idleTimeoutMs, t -> idle());
      req.resume();
    }

    private void chunk(Buffer chunk) {
      if (done) {
        return;
      }
      int n = chunk.length();
      if (body.length() + n > maxBytes) {
        long read = body.length() + (long) n;
        finish();
        tooLarge(ctx);
        discard(req, read);
        return;
      }
      if (!pending.take(n)) {
        finish();
        busy(ctx);
        return;
      }
      held += n;
      byte[] bytes = chunk.getBytes();
      check.update(bytes, 0, n);
      body.appendBytes(bytes);
      lastByteNanos = System.nanoTime();
    }

    private void end() {
      if (done) {
        return;
      }
      finish();
      accept(ctx, platform, body.getBytes(), check.matches(req.getHeader("X-Hub-Signature-256")));
    }

    private void idle() {
      if (done) {
        return;
      }
      long quietMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastByteNanos);
      if (quietMs < idleTimeoutMs) {
        timer = vertx.setTimer(idleTimeoutMs - quietMs, t -> idle());
        return;
      }
      finish();
      count(idleClosed);
      closeAfter(ctx, 408, "request_timeout", "no body byte for " + idleTimeoutMs + " ms");
    }

    /** Gives the budget back and stops the idle timer; the request is no longer ours to read. */
    private void finish() {
      done = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      pending.give(held);
      held = 0;
    }
  }

  private void accept(RoutingContext ctx, String platform, byte[] bytes, boolean signed) {
    if (!signed) {
      count(refused);
      error(ctx, 401, "invalid_signature", "X-Hub-Signature-256 is missing or does not match the body");
      return;
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      error(ctx, 400, "invalid_json", "the body is not UTF-8 JSON");
      return;
    }
    // PostgreSQL text cannot hold NUL, and one such body must not fail the whole group commit
    if (text.indexOf('\0') >= 0 || !JsonCheck.isObject(bytes)) {
      error(ctx, 400, "invalid_json", "the body is not a JSON object");
      return;
    }
    commits.store(platform, text).onComplete(ar -> {
      if (ar.succeeded()) {
        count(stored);
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end("EVENT_RECEIVED");
      } else {
        LOG.warn("webhook not stored, answering 503: {}", ar.cause().toString());
        ctx.response().putHeader("Retry-After", "5");
        error(ctx, 503, "unavailable", "the event could not be stored; retry shortly");
      }
    });
  }

  /** The node holds as many unverified bodies as it may: Meta retries a 503, an attacker waits. */
  private void busy(RoutingContext ctx) {
    count(busyRefused);
    ctx.response().putHeader("Retry-After", "1");
    closeAfter(ctx, 503, "busy", "too many webhook bodies in flight; retry shortly");
  }

  /** Answers, then closes the connection: the rest of the body is never read. */
  private static void closeAfter(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended()) {
      ctx.request().connection().close();
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(Errors.body(code, message).encode())
        .onComplete(v -> ctx.request().connection().close());
  }

  private void tooLarge(RoutingContext ctx) {
    error(ctx, 413, "payload_too_large", "the body is larger than " + maxBytes + " bytes");
  }

  /**
   * After a 413 the rest of the body is read and dropped (never kept), so a client still sending
   * gets its answer instead of a reset; a sender that goes on far past the limit is cut off.
   */
  private void discard(HttpServerRequest req, long alreadyRead) {
    long[] seen = {alreadyRead};
    long cutOff = 4L * maxBytes;
    req.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > cutOff) {
        req.connection().close();
      }
    });
    req.endHandler(null);
    req.resume();
  }

  private static long parse(String n) {
    try {
      return Long.parseLong(n.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void count(Counter c) {
    if (c != null) {
      c.increment();
    }
  }

  private static void error(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Errors.body(code, message).encode());
  }
}
