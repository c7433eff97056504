package dev.switchboard.inbox;

import dev.switchboard.common.Services;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** {@code /health} (alive), {@code /ready} (PostgreSQL and Redis answer), {@code /metrics} (Prometheus). */
public final class OpsRoutes {

  private final Services s;

  public OpsRoutes(Services s) {
    this.s = s;
  }

  public void mount(Router root) {
    root.get("/health").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .end("{\"status\":\"up\"}"));
    root.get("/ready").handler(this::ready);
    if (s.metrics() instanceof PrometheusMeterRegistry prometheus) {
      root.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
  }

  private void ready(RoutingContext ctx) {
    Future<Boolean> pg = s.pool().query("SELECT 1").execute()
        .map(r -> true).otherwise(false)
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwise(false);
    Future<Boolean> redis = s.redis().api().ping(java.util.List.of())
        .map(r -> true).otherwise(false)
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwise(false);
    Future.join(pg, redis).onComplete(done -> {
      boolean pgUp = pg.succeeded() && pg.result();
      boolean redisUp = redis.succeeded() && redis.result();
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
