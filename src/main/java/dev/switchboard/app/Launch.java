package dev.switchboard.app;

import dev.switchboard.config.Config;
import dev.switchboard.common.Services;
import dev.switchboard.embedded.EmbeddedServers;
import dev.switchboard.launch.Launcher;
import dev.switchboard.launch.Running;
import dev.switchboard.launch.StartupException;
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
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A running node and the embedded servers it runs on, if any: the main command (with or without
 * DATABASE_URL/REDIS_URL) and {@code demo} start and stop through here. It stops in one order,
 * whatever asks: the node (in-flight work finishes), its Vert.x, then Redis, then PostgreSQL.
 * Started and stopped from plain threads, never an event loop.
 */
public final class Launch implements Running {

  private static final Logger LOG = LoggerFactory.getLogger(Launch.class);

  private final EmbeddedServers servers;
  private final Vertx vertx;
  private final Node node;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Launch(EmbeddedServers servers, Vertx vertx, Node node) {
    this.servers = servers;
    this.vertx = vertx;
    this.node = node;
  }

  /**
   * The settings that point a node at embedded servers: their URLs, and a JWT secret kept in the
   * data folder (tokens survive a restart) unless the configuration names one.
   */
  public static JsonObject embeddedSettings(EmbeddedServers servers, Path dataDir, Config configured) {
    JsonObject settings = new JsonObject();
    if (servers.hasPostgres()) {
      settings.put("DATABASE_URL", servers.databaseUrl("switchboard"));
    }
    if (servers.hasRedis()) {
      settings.put("REDIS_URL", servers.redisUrl());
    }
    if (configured.jwtSecretGenerated()) {
      settings.put("JWT_SECRET", jwtSecret(dataDir));
    }
    return settings;
  }

  /**
   * Creates Vert.x, runs {@code beforeNode} on it (the demo deploys its simulator there), and
   * starts the node. On failure it stops whatever it started, {@code servers} included, and
   * throws: {@link StartupException} with a one-line message, or another runtime exception.
   */
  public static Launch start(EmbeddedServers servers, Config config, Function<Vertx, Future<?>> beforeNode) {
    Vertx vertx = null;
    Node node = null;
    try {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = Main.newVertx(registry);
      if (beforeNode != null) {
        await(beforeNode.apply(vertx), 60);
      }
      node = await(Node.start(vertx, config, registry, Clock.systemUTC()), 120);
      return new Launch(servers, vertx, node);
    } catch (RuntimeException e) {
      stop(node, vertx, servers);
      throw e;
    }
  }

  public Node node() {
    return node;
  }

  @Override
  public int port() {
    return node.port();
  }

  @Override
  public Services services() {
    return node.services();
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public EmbeddedServers servers() {
    return servers;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stop(node, vertx, servers);
    }
  }

  private static void stop(Node node, Vertx vertx, EmbeddedServers servers) {
    try {
      if (node != null) {
        await(node.stop(), 20);
      }
      if (vertx != null) {
        await(vertx.close(), 10);
      }
    } catch (RuntimeException e) {
      LOG.warn("the node did not stop cleanly: {}", e.getMessage());
    } finally {
      if (servers != null) {
        servers.close();
      }
    }
  }

  /**
   * Closes this on SIGTERM (a supervisor's, docker's or systemd's ordinary "please stop") and on
   * SIGINT (Ctrl+C), then exits 0; and at any other JVM exit. Left to the JVM's defaults the
   * shutdown hook would still run, but the process would exit 143 or 130, which supervisors
   * report as a failure. {@code announce} runs first, once (a line on the console).
   */
  @Override
  public void closeOnSignals(Runnable announce) {
    AtomicBoolean announced = new AtomicBoolean();
    Runnable stop = () -> {
      if (announce != null && !closed.get() && announced.compareAndSet(false, true)) {
        announce.run();
      }
      close();
    };
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "switchboard-shutdown"));
    for (String signal : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), sig -> new Thread(() -> {
          stop.run();
          System.exit(0);
        }, "switchboard-sig" + signal.toLowerCase()).start());
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        LOG.debug("SIG{} handler not installed ({}); the shutdown hook stops the node", signal, e.toString());
      }
    }
  }

  /** Tokens must survive a restart on the same data, so the secret is kept beside the data. */
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
      Files.createDirectories(dataDir);
      Files.writeString(file, secret);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      return secret;
    } catch (IOException e) {
      throw new StartupException("cannot keep the JWT secret in " + file + ": " + e.getMessage());
    }
  }

  /** Waits on a plain thread for a future. */
  public static <T> T await(Future<T> f, int seconds) {
    return Running.await(f, seconds);
  }

  /** How commands outside the app (the demo) start a node; registered in META-INF/services. */
  public static final class Provider implements Launcher {
    @Override
    public JsonObject embeddedSettings(EmbeddedServers servers, Path dataDir, Config configured) {
      return Launch.embeddedSettings(servers, dataDir, configured);
    }

    @Override
    public Running start(EmbeddedServers servers, Config config, Function<Vertx, Future<?>> beforeNode) {
      return Launch.start(servers, config, beforeNode);
    }
  }
}
