package dev.switchboard.demo;

import dev.switchboard.embedded.EmbeddedServers;
import dev.switchboard.config.Config;
import dev.switchboard.launch.Launcher;
import dev.switchboard.launch.Running;
import dev.switchboard.launch.StartupException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A running demo: embedded PostgreSQL and Redis, one ordinary node (the production code,
 * unchanged) configured to talk to them and to the simulator's Graph API stand-in, and the
 * seeded demo account. Started and stopped from a plain thread (never an event loop).
 */
public final class Demo implements AutoCloseable {

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

  private final Running launch;
  private final Simulator simulator;
  private final Config config;
  private final DemoSeed.Result seed;
  private final Path dataDir;

  private Demo(Running launch, Simulator simulator, Config config, DemoSeed.Result seed, Path dataDir) {
    this.launch = launch;
    this.simulator = simulator;
    this.config = config;
    this.seed = seed;
    this.dataDir = dataDir;
  }

  /**
   * Starts everything and seeds; throws {@link EmbeddedServers.EmbeddedException} or
   * {@link StartupException} (one-line messages) and then leaves nothing running.
   */
  public static Demo start(Options o) {
    Path dataDir = o.dataDir().toAbsolutePath();
    EmbeddedServers servers = EmbeddedServers.start(EmbeddedServers.Options.demo(dataDir));
    Launcher launcher = Launcher.find();
    Running launch = null;
    try {
      Config config = config(o, launcher, servers, dataDir);
      Clock clock = Clock.systemUTC();
      Simulator[] simulator = new Simulator[1];
      // before the node: its HTTP verticles mount /simulator only when they find the simulator
      launch = launcher.start(servers, config, vertx -> {
        simulator[0] = new Simulator(vertx, "http://127.0.0.1:" + config.httpPort(), config.metaAppSecret(), clock,
            Duration.ofMillis(700), Duration.ofMillis(2_000), dataDir.resolve("simulator.json"));
        return vertx.deployVerticle(new SimulatorVerticle(simulator[0]));
      });
      DemoSeed.Result seed = new DemoSeed(config, simulator[0], clock, new dev.switchboard.common.Tokens(launch.vertx(), config.jwtSecret())).run();
      return new Demo(launch, simulator[0], config, seed, dataDir);
    } catch (RuntimeException e) {
      if (launch != null) {
        launch.close();
      } else {
        servers.close();
      }
      throw e;
    }
  }

  private static Config config(Options o, Launcher launcher, EmbeddedServers servers, Path dataDir) {
    Map<String, String> env = o.env();
    Config configured = Config.load(o.configFile(), env, new JsonObject());
    JsonObject overrides = launcher.embeddedSettings(servers, dataDir, configured)
        .put("META_APP_SECRET", orDefault(env.get("META_APP_SECRET"), APP_SECRET))
        .put("META_VERIFY_TOKEN", orDefault(env.get("META_VERIFY_TOKEN"), VERIFY_TOKEN))
        // the demo seeds its own account and admin
        .putNull("ADMIN_EMAIL")
        .putNull("ADMIN_PASSWORD");
    if (o.shortWindows()) {
      overrides.put("WINDOW_STANDARD", SHORT_STANDARD).put("WINDOW_HUMAN_AGENT", SHORT_HUMAN_AGENT);
    }
    int port = o.httpPort() != null ? o.httpPort() : configured.httpPort();
    // the Graph stand-in lives on the node itself, so its URL needs the port before the node starts
    overrides.put("HTTP_PORT", port == 0 ? EmbeddedServers.freePort() : port);
    overrides.put("GRAPH_API_URL", "http://127.0.0.1:" + overrides.getInteger("HTTP_PORT") + "/simulator/graph/v21.0");
    // Instagram takes a file only as a link, and here "Meta" is the stand-in on this very node:
    // without the operator's PUBLIC_URL the node's own address serves, so "+ File" works on every platform
    if (configured.publicUrl() == null || configured.publicUrl().isBlank()) {
      overrides.put("PUBLIC_URL", "http://127.0.0.1:" + overrides.getInteger("HTTP_PORT"));
    }
    return Config.load(o.configFile(), env, overrides);
  }

  private static String orDefault(String v, String fallback) {
    return v == null || v.isBlank() ? fallback : v;
  }

  public int port() {
    return launch.port();
  }

  public String baseUrl() {
    return "http://localhost:" + port();
  }

  public Vertx vertx() {
    return launch.vertx();
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
    return launch.servers();
  }

  /** Stops on SIGTERM and Ctrl+C (exit 0) and at JVM exit, in order; see {@link Running#closeOnSignals}. */
  void closeOnSignals(Runnable announce) {
    launch.closeOnSignals(announce);
  }

  /** Stops the node (in-flight work finishes), the simulator, then Redis and PostgreSQL. */
  @Override
  public void close() {
    launch.close();
  }

  static <T> T await(Future<T> f) {
    return Running.await(f, 60);
  }
}
