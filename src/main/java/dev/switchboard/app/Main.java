package dev.switchboard.app;

import dev.switchboard.config.Config;
import dev.switchboard.auth.Passwords;
import dev.switchboard.embedded.EmbeddedServers;
import dev.switchboard.launch.Command;
import dev.switchboard.launch.StartupException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * {@code java -jar target/switchboard.jar [--data DIR] [--port N] [--help]}: loads the config and
 * starts one node; SIGTERM or Ctrl+C stops it. A server that DATABASE_URL or REDIS_URL does not
 * name runs embedded, with its data in {@code ~/.switchboard} (SWITCHBOARD_DATA_DIR, --data).
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** The first admin on an embedded database when ADMIN_EMAIL is not set. */
  static final String DEFAULT_ADMIN = "admin@localhost";

  private static final String USAGE = """
      usage: java -jar switchboard.jar [--data DIR] [--port N] [--help]
             java -jar switchboard.jar demo [--help]
             java -jar switchboard.jar accounts create|list|disable|enable [--help]
        --data DIR  where the embedded PostgreSQL and Redis keep their data, used for each of
                    DATABASE_URL and REDIS_URL that is not set (default ~/.switchboard or SWITCHBOARD_DATA_DIR)
        --port N    the HTTP port (default HTTP_PORT or 8080; 0 picks a free one)
      Settings come from the environment and conf/config.json; demo: a seeded demo account and a customer simulator.
      """;

  private Main() {
  }

  /** What the command line asked for. */
  record Args(Path dataDir, Integer port) {
  }

  public static void main(String[] args) {
    if (args.length > 0 && !args[0].startsWith("-")) {
      for (Command command : ServiceLoader.load(Command.class)) {
        if (command.name().equals(args[0])) {
          command.main(Arrays.copyOfRange(args, 1, args.length));
          return;
        }
      }
    }
    if (args.length > 0 && args[0].equals("accounts")) {
      System.exit(AccountsCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv(), Path.of("conf", "config.json"),
          System.out, System.err));
      return;
    }
    Map<String, String> env = System.getenv();
    Args a;
    try {
      a = parse(args);
    } catch (RuntimeException e) {
      System.err.println("switchboard: " + (e instanceof ArrayIndexOutOfBoundsException ? "an option lacks its value" : e.getMessage()));
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (a == null) {
      System.out.print(USAGE);
      return;
    }
    Path configFile = Path.of("conf", "config.json");
    JsonObject overrides = a.port() == null ? new JsonObject() : new JsonObject().put("HTTP_PORT", a.port());
    Config configured;
    try {
      configured = Config.load(configFile, env, overrides);
    } catch (Config.ConfigException e) {
      fail(2, "configuration error: " + e.getMessage());
      return;
    }
    boolean embedPostgres = configured.databaseUrl() == null;
    boolean embedRedis = configured.redisUrl() == null;
    EmbeddedServers servers = null;
    Config config = configured;
    Path dataDir = null;
    String password = null;
    try {
      if (embedPostgres || embedRedis) {
        String missing = embedPostgres && embedRedis ? "DATABASE_URL and REDIS_URL are" : embedPostgres ? "DATABASE_URL is" : "REDIS_URL is";
        if (!EmbeddedServers.bundled()) {
          fail(1, missing + " not set and this build has no embedded servers (it was packaged with -Pproduction): "
              + "set DATABASE_URL and REDIS_URL");
          return;
        }
        dataDir = (a.dataDir() != null ? a.dataDir() : defaultDataDir(env)).toAbsolutePath().normalize();
        System.out.println("switchboard: " + missing + " not set: starting embedded "
            + (embedPostgres && embedRedis ? "PostgreSQL and Redis" : embedPostgres ? "PostgreSQL" : "Redis") + " in " + dataDir + " ...");
        servers = EmbeddedServers.start(EmbeddedServers.Options.demo(dataDir).only(embedPostgres, embedRedis));
        JsonObject embedded = Launch.embeddedSettings(servers, dataDir, configured).mergeIn(overrides);
        if (embedPostgres) {
          // the database is ours and new: its first account needs an admin someone can sign in as
          embedded.put("ADMIN_EMAIL", configured.adminEmail() != null ? configured.adminEmail() : DEFAULT_ADMIN);
          if (configured.adminPassword() == null) {
            password = Passwords.random();
            embedded.put("ADMIN_PASSWORD", password);
          }
        }
        config = Config.load(configFile, env, embedded);
      } else if (a.dataDir() != null) {
        LOG.warn("--data is not used: DATABASE_URL and REDIS_URL name the servers");
      }
    } catch (EmbeddedServers.EmbeddedException | StartupException | Config.ConfigException e) {
      if (servers != null) {
        servers.close();
      }
      fail(1, e.getMessage());
      return;
    }
    Launch launch;
    try {
      launch = Launch.start(servers, config, null);
    } catch (RuntimeException e) {
      fail(1, e instanceof StartupException ? e.getMessage() : Node.oneLine(e));
      return;
    }
    launch.closeOnSignals(() -> LOG.info("stopping: finishing in-flight work{}",
        launch.servers() == null ? "" : ", then the embedded Redis and PostgreSQL"));
    Node node = launch.node();
    LOG.info("switchboard node {} listening on port {}", config.nodeId(), node.port());
    if (servers != null) {
      System.out.print(banner(node, config, dataDir, servers, node.adminCreated() ? password : null));
    }
  }

  /** Parses the options; null for --help. */
  static Args parse(String[] args) {
    Path dataDir = null;
    Integer port = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> dataDir = Path.of(args[++i]);
        case "--port" -> {
          try {
            port = Integer.parseInt(args[++i]);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port needs a number, got '" + args[i] + "'");
          }
        }
        case "--help", "-h" -> {
          return null;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    return new Args(dataDir, port);
  }

  static Path defaultDataDir(Map<String, String> env) {
    String dir = env.get("SWITCHBOARD_DATA_DIR");
    return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".switchboard");
  }

  /**
   * What a person needs after starting on embedded servers: the inbox, who signs in (the password
   * only on the start that created the admin), where the data is, and how to use real servers.
   */
  static String banner(Node node, Config config, Path dataDir, EmbeddedServers servers, String newPassword) {
    StringBuilder b = new StringBuilder("\n  Switchboard is running.\n\n");
    b.append("  Inbox      http://localhost:").append(node.port()).append("/\n");
    if (newPassword != null) {
      b.append("  Sign in    ").append(config.adminEmail()).append("  password ").append(newPassword)
          .append("\n             It is shown only this once: note it now.\n");
    } else if (servers.hasPostgres()) {
      String admin = firstAdmin(node);
      b.append("  Sign in    ").append(admin != null ? admin : config.adminEmail())
          .append("  (with the password set at the first start)\n");
    }
    b.append("  Data       ").append(dataDir).append(servers.hasPostgres() && servers.hasRedis()
        ? "  (embedded PostgreSQL and Redis)"
        : servers.hasPostgres() ? "  (embedded PostgreSQL; Redis from REDIS_URL)" : "  (embedded Redis; PostgreSQL from DATABASE_URL)").append('\n');
    b.append("  Servers    to use your own, set DATABASE_URL and REDIS_URL\n");
    b.append("\n  Ctrl+C stops it; the data is kept for the next start.\n\n");
    return b.toString();
  }

  /** The oldest admin's email, for the reminder on later starts. */
  private static String firstAdmin(Node node) {
    try {
      RowSet<Row> rows = Launch.await(node.services().pool()
          .query("SELECT email FROM users WHERE role = 'admin' ORDER BY id LIMIT 1").execute(), 10);
      return rows.size() == 0 ? null : rows.iterator().next().getString(0);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void fail(int status, String message) {
    System.err.println("switchboard: cannot start: " + message);
    System.exit(status);
  }

  /** A Vert.x instance whose metrics go to the given Prometheus registry. */
  public static Vertx newVertx(PrometheusMeterRegistry registry) {
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
  }
}
