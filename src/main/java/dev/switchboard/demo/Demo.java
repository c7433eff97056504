package dev.switchboard.demo;

import dev.switchboard.app.Config;
import dev.switchboard.app.Main;
import dev.switchboard.app.Node;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running demo: embedded PostgreSQL and Redis, one ordinary node (the production code,
 * unchanged) configured to talk to them and to the simulator's Graph API stand-in, and the
 * seeded demo account. Started and stopped from a plain thread (never an event loop).
 */
public final class Demo implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

  /** The demo's app secret and verify token, unless the environment names real ones. */
  public static final String APP_SECRET = "demo-app-secret-not-for-production";
  public static final String VERIFY_TOKEN = "demo-verify-token";
  /** {@code --short-windows}: short enough to watch a window close during a visit. */
  public static final String SHORT_STANDARD = "PT2M";
  public static final String SHORT_HUMAN_AGENT = "PT5M";

  /**
   * How to start.
   *
   * @param httpPort the gateway's port; 0 picks a free one; null takes HTTP_PORT / conf (8080)
   * @param configFile {@code conf/config.json} or null; env is the process environment (or a test's map)
   */
  public record Options(Path dataDir, Integer httpPort, boolean shortWindows, Path configFile, Map<String, String> env) {
    public static Path defaultDataDir(Map<String, String> env) {
      String dir = env.get("SWITCHBOARD_DEMO_DIR");
      return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".switchboard-demo");
    }
  }

  private final EmbeddedServers servers;
  private final Vertx vertx;
  private final Node node;
  private final Simulator simulator;
  private final Config config;
  private final DemoSeed.Result seed;
  private final Path dataDir;

  private Demo(EmbeddedServers servers, Vertx vertx, Node node, Simulator simulator, Config config,
               DemoSeed.Result seed, Path dataDir) {
    this.servers = servers;
    this.vertx = vertx;
    this.node = node;
    this.simulator = simulator;
    this.config = config;
    this.seed = seed;
    this.dataDir = dataDir;
  }

  /**
   * Starts everything and seeds; throws {@link EmbeddedServers.EmbeddedException} or
   * {@link Node.StartupException} (one-line messages) and then leaves nothing running.
   */
  public static Demo start(Options o) {
    Path dataDir = o.dataDir().toAbsolutePath();
    EmbeddedServers servers = EmbeddedServers.start(EmbeddedServers.Options.demo(dataDir));
    Vertx vertx = null;
    Node node = null;
    try {
      Config config = config(o, servers, dataDir);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Main.newVertx(registry);
      Clock clock = Clock.systemUTC();
      Simulator simulator = new Simulator(vertx, "http://127.0.0.1:" + config.httpPort(), config.metaAppSecret(), clock,
          Duration.ofMillis(700), Duration.ofMillis(2_000), dataDir.resolve("simulator.json"));
      // before the node: its HTTP verticles mount /simulator only when they find the simulator
      await(vertx.deployVerticle(new SimulatorVerticle(simulator)));
      node = await(Node.start(vertx, config, registry, clock));
      DemoSeed.Result seed = new DemoSeed(config, simulator, clock, node.services().tokens()).run();
      return new Demo(servers, vertx, node, simulator, config, seed, dataDir);
    } catch (RuntimeException e) {
      stopAll(node, vertx, servers);
      throw e;
    }
  }

  private static Config config(Options o, EmbeddedServers servers, Path dataDir) {
    Map<String, String> env = o.env();
    JsonObject overrides = new JsonObject()
        .put("DATABASE_URL", servers.databaseUrl("switchboard"))
        .put("REDIS_URL", servers.redisUrl())
        .put("JWT_SECRET", jwtSecret(dataDir))
        .put("META_APP_SECRET", orDefault(env.get("META_APP_SECRET"), APP_SECRET))
        .put("META_VERIFY_TOKEN", orDefault(env.get("META_VERIFY_TOKEN"), VERIFY_TOKEN))
        // the demo seeds its own account and admin
        .putNull("ADMIN_EMAIL")
        .putNull("ADMIN_PASSWORD");
    if (o.shortWindows()) {
      overrides.put("WINDOW_STANDARD", SHORT_STANDARD).put("WINDOW_HUMAN_AGENT", SHORT_HUMAN_AGENT);
    }
    int port = o.httpPort() != null ? o.httpPort() : Config.load(o.configFile(), env, new JsonObject()).httpPort();
    // the Graph stand-in lives on the node itself, so its URL needs the port before the node starts
    overrides.put("HTTP_PORT", port == 0 ? EmbeddedServers.freePort() : port);
    overrides.put("GRAPH_API_URL", "http://127.0.0.1:" + overrides.getInteger("HTTP_PORT") + "/simulator/graph/v21.0");
    return Config.load(o.configFile(), env, overrides);
  }

  /** Tokens must survive a restart of the demo, so the secret is kept beside the data. */
  private static String jwtSecret(Path dataDir) {
    Path file = dataDir.resolve("jwt-secret");
    try {
      if (Files.isRegularFile(file)) {
        String s = Files.readString(file).trim();
        if (s.length() >= 32) {
          return s;
        }
      }
      byte[] b = new byte[32];
      new SecureRandom().nextBytes(b);
      String secret = HexFormat.of().formatHex(b);
      Files.writeString(file, secret);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      return secret;
    } catch (IOException e) {
      throw new Node.StartupException("cannot keep the demo's JWT secret in " + file + ": " + e.getMessage());
    }
  }

  private static String orDefault(String v, String fallback) {
    return v == null || v.isBlank() ? fallback : v;
  }

  public int port() {
    return node.port();
  }

  public String baseUrl() {
    return "http://localhost:" + port();
  }

  public Node node() {
    return node;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Simulator simulator() {
    return simulator;
  }

  public Config config() {
    return config;
  }

  public DemoSeed.Result seed() {
    return seed;
  }

  public Path dataDir() {
    return dataDir;
  }

  public EmbeddedServers servers() {
    return servers;
  }

  /** Stops the node (in-flight work finishes), the simulator, then Redis and PostgreSQL. */
  @Override
  public void close() {
    stopAll(node, vertx, servers);
  }

  private static void stopAll(Node node, Vertx vertx, EmbeddedServers servers) {
    try {
      if (node != null) {
        await(node.stop(), 20);
      }
      if (vertx != null) {
        await(vertx.close(), 10);
      }
    } catch (RuntimeException e) {
      LOG.warn("the demo's node did not stop cleanly: {}", e.getMessage());
    } finally {
      servers.close();
    }
  }

  static <T> T await(Future<T> f) {
    return await(f, 60);
  }

  /** Waits on a plain thread for a future (the demo's start and stop are not on an event loop). */
  static <T> T await(Future<T> f, int seconds) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + seconds + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
