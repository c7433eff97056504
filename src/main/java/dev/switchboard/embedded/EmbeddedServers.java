package dev.switchboard.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL (zonky's bundled binaries) and a real Redis (the redis-server bundled in
 * codemonstur's embedded-redis) as child processes, with their data under one folder. Used by
 * the main command when DATABASE_URL or REDIS_URL is unset, by {@code demo} and, on a machine
 * without services, by the tests. Neither registers its own shutdown hook: the caller stops them
 * in order (node first, then Redis, then PostgreSQL).
 *
 * <p>They must not outlive the JVM, which a SIGKILL ends without running any Java code: a small
 * shell watchdog, started beside them, reads a pipe from the JVM and stops them when that pipe
 * closes (the kernel closes it when the JVM dies, however it dies). And a start that finds a
 * server still running on its data folder (a pid file whose process works in that folder) stops
 * it first, then starts on the same data.
 */
public final class EmbeddedServers implements AutoCloseable {

  /** Where the servers keep their data, how they behave, and which of the two to run. */
  public record Options(Path dataDir, int pgPort, int redisPort, boolean durable, boolean postgres, boolean redis) {
    public Options(Path dataDir, int pgPort, int redisPort, boolean durable) {
      this(dataDir, pgPort, redisPort, durable, true, true);
    }

    /** Durable settings for the demo and the main command: fsync on, Redis append-only file. */
    public static Options demo(Path dataDir) {
      return new Options(dataDir, 0, 0, true);
    }

    /** These options with only the servers named (the main command embeds just what is not configured). */
    public Options only(boolean postgres, boolean redis) {
      return new Options(dataDir, pgPort, redisPort, durable, postgres, redis);
    }

    /** Throw-away settings for tests: no fsync, no Redis persistence, room for many pools. */
    public static Options scratch(Path dataDir) {
      return new Options(dataDir, 0, 0, false);
    }
  }

  private static final Pattern DB_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  private final EmbeddedPostgres postgres;
  private final Process redis;
  private final int redisPort;
  private final Process watchdog;
  private final Path pgData;

  private EmbeddedServers(EmbeddedPostgres postgres, Process redis, int redisPort, Process watchdog, Path pgData) {
    this.pgData = pgData;
    this.postgres = postgres;
    this.redis = redis;
    this.redisPort = redisPort;
    this.watchdog = watchdog;
  }

  /**
   * Starts both servers (PostgreSQL first). Fails with an {@link EmbeddedException} whose message is
   * one line saying which server could not start and why; nothing is left running then.
   */
  public static EmbeddedServers start(Options options) {
    if (!bundled()) {
      throw new EmbeddedException(NOT_BUNDLED);
    }
    try {
      return startChecked(options);
    } catch (LinkageError e) {
      // the production profile leaves the embedded servers' libraries out of the jar
      throw new EmbeddedException(NOT_BUNDLED);
    }
  }

  /** Why {@code demo} cannot run from a -Pproduction jar, and what to do instead. */
  public static final String NOT_BUNDLED = "this build has no embedded servers (it was packaged with -Pproduction): "
      + "build without that profile, or point the gateway at existing servers: DATABASE_URL=... REDIS_URL=... java -jar switchboard.jar";

  /** True when the embedded servers' libraries are on the class path (not a -Pproduction build). */
  public static boolean bundled() {
    try {
      Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres", false, EmbeddedServers.class.getClassLoader());
      Class.forName("redis.embedded.core.ExecutableProvider", false, EmbeddedServers.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static EmbeddedServers startChecked(Options options) {
    Path pgData;
    Path redisData;
    try {
      pgData = Files.createDirectories(options.dataDir().resolve("postgres")).toRealPath();
      redisData = Files.createDirectories(options.dataDir().resolve("redis")).toRealPath();
    } catch (IOException e) {
      throw new EmbeddedException("cannot create the data folder " + options.dataDir() + ": " + e.getMessage()
          + "; " + HOW_TO_POINT);
    }
    // a node killed with SIGKILL, before its watchdog could act, may have left them running
    if (options.postgres()) {
      ServerProcesses.stopLeftover("PostgreSQL", pgData, ServerProcesses.PG_PID, "INT");
    }
    if (options.redis()) {
      ServerProcesses.stopLeftover("Redis", redisData, ServerProcesses.REDIS_PID, "TERM");
    }
    Process watchdog = ServerProcesses.startWatchdog(options.redis() ? redisData : null, options.postgres() ? pgData : null);
    EmbeddedPostgres pg = null;
    try {
      if (options.postgres()) {
        pg = startPostgres(options, pgData);
      }
      Process redis = null;
      int redisPort = 0;
      if (options.redis()) {
        redisPort = options.redisPort() > 0 ? options.redisPort() : freePort();
        try {
          redis = EmbeddedRedis.start(redisData, redisPort, options.durable());
        } catch (IOException | RuntimeException e) {
          throw new EmbeddedException("embedded Redis could not start (data in " + redisData + "): " + oneLine(e)
              + "; " + HOW_TO_POINT);
        }
      }
      return new EmbeddedServers(pg, redis, redisPort, watchdog, pgData);
    } catch (RuntimeException e) {
      if (pg != null) {
        closeQuietly(pg);
      }
      if (watchdog != null) {
        watchdog.destroy();
      }
      throw e;
    }
  }

  private static EmbeddedPostgres startPostgres(Options options, Path pgData) {
    try {
      EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          .setPort(options.pgPort() > 0 ? options.pgPort() : freePort())
          .setPGStartupWait(Duration.ofSeconds(60))
          .setServerConfig("max_connections", "300")
          .setServerConfig("listen_addresses", "127.0.0.1");
      if (options.durable()) {
        // zonky's defaults trade durability for speed; the demo keeps what it acknowledged
        b.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
      } else {
        b.setServerConfig("synchronous_commit", "off").setServerConfig("full_page_writes", "off");
      }
      return b.start();
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedException("embedded PostgreSQL could not start (data in " + pgData + "): " + oneLine(e)
          + "; " + HOW_TO_POINT);
    }
  }

  /** What to do instead, appended to every failure line. */
  public static final String HOW_TO_POINT = "to use existing servers instead, run "
      + "DATABASE_URL=postgresql://user:password@host:5432/db REDIS_URL=redis://host:6379 java -jar target/switchboard.jar";

  /** True when something answers a Redis PING on 127.0.0.1:port. */
  public static boolean ping(int port) {
    return EmbeddedRedis.ping(port);
  }

  /** {@code postgresql://} URL of the superuser's {@code postgres} database (tests create theirs through it). */
  public String adminDatabaseUrl() {
    requirePostgres();
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  /** {@code postgresql://} URL of database {@code name}, created on first use. */
  public String databaseUrl(String name) {
    if (!DB_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a plain database name: " + name);
    }
    requirePostgres();
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      boolean exists;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          exists = rs.next();
        }
      }
      if (!exists) {
        try (Statement st = c.createStatement()) {
          st.execute("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
        }
      }
    } catch (SQLException e) {
      throw new EmbeddedException("cannot create database " + name + " in embedded PostgreSQL: " + e.getMessage());
    }
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/" + name;
  }

  public String redisUrl() {
    if (redis == null) {
      throw new IllegalStateException("no embedded Redis runs here");
    }
    return "redis://127.0.0.1:" + redisPort;
  }

  public int postgresPort() {
    requirePostgres();
    return postgres.getPort();
  }

  public boolean hasPostgres() {
    return postgres != null;
  }

  public boolean hasRedis() {
    return redis != null;
  }

  private void requirePostgres() {
    if (postgres == null) {
      throw new IllegalStateException("no embedded PostgreSQL runs here");
    }
  }

  public int redisPort() {
    return redisPort;
  }

  /**
   * Stops Redis (SIGTERM: it flushes its append-only file), then PostgreSQL (a fast, clean
   * shutdown), then the watchdog, which has nothing left to do.
   */
  @Override
  public synchronized void close() {
    if (redis != null && redis.isAlive()) {
      redis.destroy();
      try {
        if (!redis.waitFor(15, TimeUnit.SECONDS)) {
          redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        redis.destroyForcibly();
      }
    }
    boolean pgStopped = true;
    if (postgres != null) {
      closeQuietly(postgres);
      pgStopped = ServerProcesses.awaitPostmasterExit(pgData);
    }
    if (watchdog != null && pgStopped) {
      watchdog.destroy();
    } else if (watchdog != null) {
      // the watchdog stops it when this process exits and its pipe closes
      System.err.println("switchboard: embedded PostgreSQL in " + pgData + " did not stop; it is stopped as this process exits");
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException e) {
      // best effort at shutdown: the pid file tells whether it stopped all the same
      System.err.println("switchboard: stopping embedded PostgreSQL failed: " + oneLine(e));
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port: " + e.getMessage(), e);
    }
  }

  public static String oneLine(Throwable err) {
    Throwable root = err;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return m.replace('\n', ' ').replaceAll("\\s+", " ").trim();
  }

  /** The embedded servers could not start; the message is one line with what to do instead. */
  public static final class EmbeddedException extends RuntimeException {
    public EmbeddedException(String message) {
      super(message, null, false, false);
    }
  }
}
