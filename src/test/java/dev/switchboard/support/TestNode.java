package dev.switchboard.support;

import dev.switchboard.config.Config;
import dev.switchboard.app.Main;
import dev.switchboard.app.Node;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

/**
 * A real node for integration tests: its own Vert.x, a real PostgreSQL database and a Redis
 * key namespace of its own, listening on a free loopback port. Several may share one database
 * (a multi-node test) by passing the same {@link TestDb} and prefix.
 */
public final class TestNode implements AutoCloseable {

  public static final String JWT_SECRET = "test-jwt-secret-0123456789-0123456789";
  public static final String VERIFY_TOKEN = "my-verify-token";
  /** Every test node serves /metrics on its main port to this bearer token ({@link Http#metrics()}). */
  public static final String METRICS_TOKEN = "test-metrics-token-0123456789";
  /** {@code TEST_REDIS_URL} (default 127.0.0.1:6379), or an embedded Redis where that does not answer. */
  public static final String REDIS_URL = TestServers.redis(TestDb.env("TEST_REDIS_URL", "redis://127.0.0.1:6379"));

  public final Vertx vertx;
  public final Node node;
  public final Config config;
  public final PrometheusMeterRegistry registry;

  private TestNode(Vertx vertx, Node node, Config config, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.node = node;
    this.config = config;
    this.registry = registry;
  }

  /** A fresh Redis prefix, so test classes never see each other's keys. */
  public static String newRedisPrefix() {
    return "sbt:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  /** The settings every test node gets; {@code overrides} win. */
  public static JsonObject settings(TestDb db, String redisPrefix, JsonObject overrides) {
    return new JsonObject()
        .put("HTTP_PORT", freePort())
        .put("DATABASE_URL", db.url())
        .put("REDIS_URL", REDIS_URL)
        .put("REDIS_PREFIX", redisPrefix)
        .put("JWT_SECRET", JWT_SECRET)
        .put("META_APP_SECRET", Fixtures.APP_SECRET)
        .put("META_VERIFY_TOKEN", VERIFY_TOKEN)
        .put("METRICS_TOKEN", METRICS_TOKEN)
        .put("HTTP_INSTANCES", 2)
        // profile lookups are Graph calls of their own; tests that count calls opt in explicitly
        .put("PROFILE_LOOKUP", 0)
        // the seeded users' hashes are cheap too (Seed); production's cost would only slow the suite
        .put("PASSWORD_ITERATIONS", 1_000)
        .mergeIn(overrides);
  }

  public static TestNode start(TestDb db, String redisPrefix, JsonObject overrides) {
    return start(db, redisPrefix, overrides, Clock.systemUTC());
  }

  public static TestNode start(TestDb db, String redisPrefix, JsonObject overrides, Clock clock) {
    Config config = Config.load(null, Map.of(), settings(db, redisPrefix, overrides));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.newVertx(registry);
    try {
      Node node = Node.start(vertx, config, registry, clock).await();
      return new TestNode(vertx, node, config, registry);
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  public int port() {
    return node.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Stops the node the way SIGTERM does. */
  @Override
  public void close() {
    try {
      node.stop().await();
    } finally {
      vertx.close().await();
    }
  }

  /**
   * Kills the node abruptly (a crash): its PostgreSQL connections go first, so nothing its parts
   * would do on the way down (release a claim, finish a batch) reaches the database.
   */
  public void kill() {
    node.services().pool().close().otherwiseEmpty().await();
    vertx.close().await();
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
