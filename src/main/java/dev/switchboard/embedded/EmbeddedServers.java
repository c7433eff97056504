package dev.switchboard.embedded;

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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

  /** Where the servers write their pid: PostgreSQL's own lock file, and the one redis.conf names. */
  private static final String PG_PID = "postmaster.pid";
  private static final String REDIS_PID = "redis.pid";

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
      stopLeftover("PostgreSQL", pgData, PG_PID, "INT");
    }
    if (options.redis()) {
      stopLeftover("Redis", redisData, REDIS_PID, "TERM");
    }
    Process watchdog = startWatchdog(options.redis() ? redisData : null, options.postgres() ? pgData : null);
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
          redis = startRedis(redisData, redisPort, options.durable());
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

  /**
   * Stops the server a pid file names, if it is alive and works in {@code dir} (both servers run
   * with their data folder as working directory; anything else with that pid is not ours), and
   * waits for it to finish writing its data.
   */
  static void stopLeftover(String what, Path dir, String pidFileName, String signal) {
    Path pidFile = dir.resolve(pidFileName);
    long pid;
    try {
      if (!Files.isRegularFile(pidFile)) {
        return;
      }
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
      pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (IOException | NumberFormatException e) {
      return;
    }
    ProcessHandle process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
    if (process == null || !dir.equals(workingDir(pid))) {
      return;
    }
    System.err.println("switchboard: " + what + " (pid " + pid + ") is still running on " + dir
        + " from an earlier start that did not stop it; stopping it first");
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
      process.onExit().get(60, TimeUnit.SECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new EmbeddedException("an earlier " + what + " (pid " + pid + ") still runs on " + dir
          + " and did not stop: " + oneLine(e) + "; stop it, then start again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedException("interrupted while stopping an earlier " + what + " on " + dir);
    }
  }

  /** The working directory of a process (Linux /proc), or null where it cannot be read. */
  private static Path workingDir(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return null;
    }
  }

  /**
   * The watchdog: {@code /bin/sh} blocked reading a pipe whose writing end only this JVM holds (a
   * child process gets no descriptor but its own three). When the JVM ends, however it ends, the
   * read sees end-of-file and the script stops the servers named by the pid files, after the same
   * working-directory check as {@link #stopLeftover}. It ignores SIGINT and SIGHUP, so Ctrl+C in
   * a terminal leaves the stopping, in order, to the JVM. A folder given as "" is not watched.
   */
  private static final String WATCHDOG = """
      trap '' INT HUP
      while read -r _; do :; done
      stop() {
        [ -n "$1" ] && [ -f "$1/$2" ] || return 0
        pid=$(head -n 1 "$1/$2" | tr -d ' ')
        case "$pid" in ''|*[!0-9]*) return 0 ;; esac
        [ "$(readlink "/proc/$pid/cwd")" = "$1" ] && kill -"$3" "$pid"
        return 0
      }
      stop "$1" %s TERM
      stop "$2" %s INT
      """.formatted(REDIS_PID, PG_PID);

  /** The watchdog, or null where there is no /bin/sh (Windows): there only an orderly stop stops the servers. */
  private static Process startWatchdog(Path redisData, Path pgData) {
    if (!Files.isExecutable(Path.of("/bin/sh"))) {
      return null;
    }
    try {
      return new ProcessBuilder("/bin/sh", "-c", WATCHDOG, "switchboard-watchdog",
          redisData == null ? "" : redisData.toString(), pgData == null ? "" : pgData.toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new EmbeddedException("cannot start the watchdog of the embedded servers (/bin/sh): " + e.getMessage());
    }
  }

  /** What to do instead, appended to every failure line. */
  public static final String HOW_TO_POINT = "to use existing servers instead, run "
      + "DATABASE_URL=postgresql://user:password@host:5432/db REDIS_URL=redis://host:6379 java -jar target/switchboard.jar";

  private static Process startRedis(Path dir, int port, boolean durable) throws IOException {
    // into the data folder, not a fresh temp folder per start: those pile up in /tmp (a JVM that
    // is killed never deletes them)
    File exe = ExecutableProvider.newJarResourceProvider(Files.createDirectories(dir.resolve("bin")).toFile()).get();
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
        // written even without daemonize; a later start finds a left-over server by it
        "pidfile " + quote(dir.resolve(REDIS_PID).toAbsolutePath().toString()),
        // keep the command line (it names this folder) instead of "redis-server 127.0.0.1:port"
        "set-proc-title no",
        "save \"\""));
    if (durable) {
      conf.add("appendonly yes");
      conf.add("appendfsync everysec");
    } else {
      conf.add("appendonly no");
    }
    Path confFile = dir.resolve("redis.conf");
    Files.write(confFile, conf, StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>(List.of(exe.getAbsolutePath(), confFile.toAbsolutePath().toString()));
    // its own session, as pg_ctl gives PostgreSQL: Ctrl+C in a terminal reaches the JVM alone,
    // which stops the node before Redis. setsid(1) execs in place, so the pid stays Redis's.
    String setsid = onPath("setsid");
    if (setsid != null) {
      command.add(0, setsid);
    }
    Process p = new ProcessBuilder(command)
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

  private static String onPath(String program) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
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
      pgStopped = awaitPostmasterExit(pgData);
    }
    if (watchdog != null && pgStopped) {
      watchdog.destroy();
    } else if (watchdog != null) {
      // the watchdog stops it when this process exits and its pipe closes
      System.err.println("switchboard: embedded PostgreSQL in " + pgData + " did not stop; it is stopped as this process exits");
    }
  }

  /**
   * pg_ctl gives up waiting after a few seconds while a busy server may still be writing its
   * shutdown checkpoint; the node exits only once the postmaster is gone (its pid file removed),
   * so nothing of ours outlives it. Bounded: a server stuck past a minute is left to the watchdog.
   * True when it is gone.
   */
  private static boolean awaitPostmasterExit(Path pgData) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Files.exists(pgData.resolve(PG_PID)) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !Files.exists(pgData.resolve(PG_PID));
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
