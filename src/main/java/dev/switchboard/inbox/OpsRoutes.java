package dev.switchboard.inbox;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.sqlclient.Pool;
import dev.switchboard.store.RedisStore;
import dev.switchboard.common.ApiException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code /health} (alive), {@code /ready} (PostgreSQL and Redis answer), {@code /metrics}
 * (Prometheus). Metrics name accounts' volumes and the node's internals, so the main port serves
 * them only to {@code Authorization: Bearer <METRICS_TOKEN>}; without a token they are served
 * only on {@code METRICS_PORT} (see {@link #mountMetrics}), or not at all.
 */
public final class OpsRoutes {

  private final Pool pool;
  private final RedisStore redis;
  private final MeterRegistry metrics;
  private final String metricsToken;

  public OpsRoutes(Pool pool, RedisStore redis, MeterRegistry metrics, String metricsToken) {
    this.pool = pool;
    this.redis = redis;
    this.metrics = metrics;
    this.metricsToken = metricsToken;
  }

  public void mount(Router root) {
    root.get("/health").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .end("{\"status\":\"up\"}"));
    root.get("/ready").handler(this::ready);
    String token = metricsToken;
    if (token == null) {
      root.get("/metrics").handler(ctx -> ctx.fail(new ApiException(404, "not_found",
          "metrics are served with METRICS_TOKEN or on METRICS_PORT")));
    } else {
      mountMetrics(root);
    }
  }

  /** {@code GET /metrics}, behind the bearer token when METRICS_TOKEN is set. */
  public void mountMetrics(Router router) {
    if (!(metrics instanceof PrometheusMeterRegistry prometheus)) {
      return;
    }
    byte[] expected = digest(metricsToken);
    if (expected != null) {
      router.get("/metrics").handler(ctx -> {
        String header = ctx.request().getHeader("Authorization");
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        // digests of equal length, compared in constant time: neither the token nor its length leaks
        if (presented == null || !MessageDigest.isEqual(expected, digest(presented))) {
          ctx.fail(ApiException.unauthorized("metrics need Authorization: Bearer <METRICS_TOKEN>"));
          return;
        }
        ctx.next();
      });
    }
    router.get("/metrics").handler(ctx -> {
      String accept = ctx.request().getHeader("Accept");
      String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
      // rendered on a worker: some 650 lines took the event loop 14-24 ms under load, a stall for
      // every webhook and socket on that loop at each scrape
      ctx.vertx().executeBlocking(() -> prometheus.scrape(type), false).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(ar.cause());
          return;
        }
        ctx.response().putHeader("Content-Type", type).end(ar.result());
      });
    });
  }

  private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private static byte[] digest(String token) {
    if (token == null) {
      return null;
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void ready(RoutingContext ctx) {
    Future<Boolean> pg = pool.query("SELECT 1").execute()
        .map(r -> true).otherwise(false)
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwise(false);
    Future<Boolean> kv = redis.api().ping(java.util.List.of())
        .map(r -> true).otherwise(false)
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwise(false);
    Future.join(pg, kv).onComplete(done -> {
      boolean pgUp = pg.succeeded() && pg.result();
      boolean redisUp = kv.succeeded() && kv.result();
      JsonObject body = new JsonObject()
          .put("status", pgUp && redisUp ? "ready" : "unavailable")
          .put("postgres", pgUp ? "up" : "down")
          .put("redis", redisUp ? "up" : "down");
      ctx.response()
          .setStatusCode(pgUp && redisUp ? 200 : 503)
          .putHeader("Content-Type", "application/json")
          .end(body.encode());
    });
  }
}
