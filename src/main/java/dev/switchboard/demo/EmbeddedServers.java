package dev.switchboard.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL (zonky's bundled binaries) and a real Redis (the redis-server bundled in
 * codemonstur's embedded-redis) as child processes, with their data under one folder. Used by
 * {@code demo} and, on a machine without services, by the tests. Neither registers its own
 * shutdown hook: the caller stops them in order (node first, then Redis, then PostgreSQL).
 */
public final class EmbeddedServers implements AutoCloseable {

  /** Where the servers keep their data and how they behave. */
  public record Options(Path dataDir, int pgPort, int redisPort, boolean durable) {
    /** Durable settings for the demo: fsync on, Redis append-only file. */
    public static Options demo(Path dataDir) {
      return new Options(dataDir, 0, 0, true);
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

  private EmbeddedServers(EmbeddedPostgres postgres, Process redis, int redisPort) {
    this.postgres = postgres;
    this.redis = redis;
    this.redisPort = redisPort;
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
    Path pgData = options.dataDir().resolve("postgres");
    Path redisData = options.dataDir().resolve("redis");
    try {
      Files.createDirectories(pgData);
      Files.createDirectories(redisData);
    } catch (IOException e) {
      throw new EmbeddedException("cannot create the data folder " + options.dataDir() + ": " + e.getMessage()
          + "; " + HOW_TO_POINT);
    }
    EmbeddedPostgres pg;
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
      pg = b.start();
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedException("embedded PostgreSQL could not start (data in " + pgData + "): " + oneLine(e)
          + "; " + HOW_TO_POINT);
    }
    int redisPort = options.redisPort() > 0 ? options.redisPort() : freePort();
    try {
      Process redis = startRedis(redisData, redisPort, options.durable());
      return new EmbeddedServers(pg, redis, redisPort);
    } catch (IOException | RuntimeException e) {
      closeQuietly(pg);
      throw new EmbeddedException("embedded Redis could not start (data in " + redisData + "): " + oneLine(e)
          + "; " + HOW_TO_POINT);
    }
  }

  /** What to do instead, appended to every failure line. */
  public static final String HOW_TO_POINT = "to use existing servers instead, run "
      + "DATABASE_URL=postgresql://user:password@host:5432/db REDIS_URL=redis://host:6379 java -jar target/switchboard.jar";

  private static Process startRedis(Path dir, int port, boolean durable) throws IOException {
    File exe = ExecutableProvider.newJarResourceProvider().get();
    if (!exe.canExecute() && !exe.setExecutable(true)) {
      throw new IOException("cannot make " + exe + " executable");
    }
    // a config file rather than arguments: the folder may contain spaces
    List<String> conf = new ArrayList<>(List.of(
        "port " + port,
        "bind 127.0.0.1",
        "protected-mode yes",
        "daemonize no",
        "dir " + quote(dir.toAbsolutePath().toString()),
        "save \"\""));
    if (durable) {
      conf.add("appendonly yes");
      conf.add("appendfsync everysec");
    } else {
      conf.add("appendonly no");
    }
    Path confFile = dir.resolve("redis.conf");
    Files.write(confFile, conf, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(exe.getAbsolutePath(), confFile.toAbsolutePath().toString())
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .start();
    StringBuilder output = new StringBuilder();
    Thread pump = new Thread(() -> pump(p, output), "embedded-redis-output");
    pump.setDaemon(true);
    pump.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("redis-server exited with " + p.exitValue() + ": " + lastLine(output));
      }
      if (ping(port)) {
        return p;
      }
      sleep(50);
    }
    p.destroyForcibly();
    throw new IOException("redis-server did not answer PING within 30 s: " + lastLine(output));
  }

  private static void pump(Process p, StringBuilder output) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (output) {
          // keep only the tail: it says why a start failed
          if (output.length() > 8_000) {
            output.delete(0, output.length() - 4_000);
          }
          output.append(line).append('\n');
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  private static String lastLine(StringBuilder output) {
    synchronized (output) {
      String[] lines = output.toString().strip().split("\n");
      return lines.length == 0 || lines[lines.length - 1].isBlank() ? "no output" : lines[lines.length - 1].strip();
    }
  }

  /** True when something answers a Redis PING on 127.0.0.1:port. */
  public static boolean ping(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1_000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[16];
      int n = s.getInputStream().read(buf);
      return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code postgresql://} URL of the superuser's {@code postgres} database (tests create theirs through it). */
  public String adminDatabaseUrl() {
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  /** {@code postgresql://} URL of database {@code name}, created on first use. */
  public String databaseUrl(String name) {
    if (!DB_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a plain database name: " + name);
    }
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
    return "redis://127.0.0.1:" + redisPort;
  }

  public int postgresPort() {
    return postgres.getPort();
  }

  public int redisPort() {
    return redisPort;
  }

  /** Stops Redis (SIGTERM: it flushes its append-only file), then PostgreSQL (a fast, clean shutdown). */
  @Override
  public synchronized void close() {
    if (redis.isAlive()) {
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
    closeQuietly(postgres);
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException ignored) {
      // best effort at shutdown
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

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static String oneLine(Throwable err) {
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
