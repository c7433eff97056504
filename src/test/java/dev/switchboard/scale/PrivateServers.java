package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL and a Redis of the test's own, which it may stop and start at will: the
 * machine's shared servers are never restarted (other test runs use them).
 */
final class PrivateServers {

  private PrivateServers() {
  }

  static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");

  static final Requires POSTGRES_REQUIRED = Requires.tool(postgresAvailable(),
      "the PostgreSQL 15 server binaries are not installed (" + PG_BIN + "/initdb, pg_ctl): apt-get install postgresql-15 (.ci/run does)");
  static final Requires REDIS_REQUIRED = Requires.tool(redisAvailable(),
      "redis-server is not installed (/usr/bin or /usr/local/bin): apt-get install redis-server (.ci/run does)");

  static boolean postgresAvailable() {
    return Files.isExecutable(PG_BIN.resolve("initdb")) && Files.isExecutable(PG_BIN.resolve("pg_ctl"))
        && (!isRoot() || Files.isExecutable(Path.of("/usr/sbin/runuser")));
  }

  static boolean redisAvailable() {
    return redisBinary() != null;
  }

  static String redisBinary() {
    for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** A PostgreSQL cluster in a temp folder (trust auth on loopback), run by the postgres OS user when we are root. */
  static final class Postgres implements AutoCloseable {
    final Path dir;
    final int port;

    private Postgres(Path dir, int port) {
      this.dir = dir;
      this.port = port;
    }

    static Postgres create() {
      try {
        Path dir = ownedTempDir("switchboard-private-pg");
        Postgres pg = new Postgres(dir, TestNode.freePort());
        pg.asOwner(List.of(PG_BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
            "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"));
        Files.writeString(Path.of(dir.toString(), "data", "postgresql.auto.conf"), """
            listen_addresses = '127.0.0.1'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 100
            shared_buffers = 32MB
            """, java.nio.file.StandardOpenOption.APPEND);
        pg.start();
        return pg;
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a private PostgreSQL: " + e.getMessage(), e);
      }
    }

    /**
     * A hot standby of {@code primary} streaming from it (a base backup with {@code -R}), on a
     * port of its own; {@link #url} names the same database on it.
     */
    static Postgres standbyOf(Postgres primary) {
      try {
        Path dir = ownedTempDir("switchboard-private-standby");
        Postgres standby = new Postgres(dir, TestNode.freePort());
        standby.asOwner(List.of(PG_BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primary.port),
            "-U", "postgres", "-D", dir.resolve("data").toString(), "-R", "--checkpoint=fast", "-X", "stream", "--no-sync"));
        standby.start();
        return standby;
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a standby: " + e.getMessage(), e);
      }
    }

    /** {@code postgresql://} URL of database {@code name} on this server. */
    String url(String name) {
      return "postgresql://postgres@127.0.0.1:" + port + "/" + name;
    }

    /** {@code postgresql://} URL of a new database on this server. */
    String createDatabase(String name) {
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null)) {
        c.createStatement().execute("CREATE DATABASE " + name);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      return "postgresql://postgres@127.0.0.1:" + port + "/" + name;
    }

    void start() {
      asOwner(List.of(PG_BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "30",
          "-l", dir.resolve("log").toString(), "-o", "-p " + port + " -k " + dir, "start"));
    }

    /** A fast shutdown: connections are cut, nothing committed is lost. */
    void stop() {
      asOwner(List.of(PG_BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "30", "-m", "fast", "stop"));
    }

    boolean running() {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    private void asOwner(List<String> cmd) {
      List<String> full = new ArrayList<>();
      if (isRoot()) {
        full.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
      }
      full.addAll(cmd);
      run(full);
    }

    @Override
    public void close() {
      try {
        if (running()) {
          asOwner(List.of(PG_BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "30", "-m", "immediate", "stop"));
        }
      } catch (RuntimeException ignored) {
        // best effort
      }
      deleteTree(dir);
    }
  }

  /** A redis-server child process without persistence; {@link #restart} comes back empty on the same port. */
  static final class Redis implements AutoCloseable {
    final int port;
    private Process process;

    private Redis(int port) {
      this.port = port;
    }

    static Redis start() {
      Redis r = new Redis(TestNode.freePort());
      r.launch();
      return r;
    }

    String url() {
      return "redis://127.0.0.1:" + port;
    }

    private void launch() {
      try {
        process = new ProcessBuilder(redisBinary(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start redis-server: " + e.getMessage(), e);
      }
      Await.until("redis-server on " + port, Duration.ofSeconds(10), () -> dev.switchboard.embedded.EmbeddedServers.ping(port));
    }

    /** Kills the server (its data is gone: no persistence). */
    void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void startAgain() {
      launch();
    }

    @Override
    public void close() {
      if (process != null && process.isAlive()) {
        kill();
      }
    }
  }

  /** A temp folder the PostgreSQL processes may write: owned by the postgres OS user when we are root. */
  static Path ownedTempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    dir.toFile().setReadable(true, false);
    dir.toFile().setExecutable(true, false);
    if (isRoot()) {
      run(List.of("chown", "postgres", dir.toString()));
    }
    return dir;
  }

  /** The first value of {@code sql}'s first row, as the postgres superuser over JDBC. */
  static long scalar(String jdbcUrl, String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", null); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Account "Acme", its admin {@code email} (password "secret") and the WhatsApp channel of {@code Webhooks}. */
  static void seedAccount(String jdbcUrl, String email) {
    long account = scalar(jdbcUrl, "INSERT INTO accounts (name) VALUES ('Acme') RETURNING id");
    scalar(jdbcUrl, "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, 'Admin', ?, ?, 'admin') RETURNING id",
        account, email, dev.switchboard.auth.Passwords.hash("secret", 1_000));
    scalar(jdbcUrl, "INSERT INTO channels (account_id, platform, name, external_id, access_token) VALUES (?, 'whatsapp', 'wa', ?, 't') RETURNING id",
        account, dev.switchboard.support.Webhooks.WA_PHONE_NUMBER_ID);
  }

  static void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp folder
    }
  }
}
