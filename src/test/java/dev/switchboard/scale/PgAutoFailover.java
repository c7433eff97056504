package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pg_auto_failover formation of the test's own (docs/scaling.md's setup, in a temp folder): a
 * monitor and two data nodes run by {@code pg_autoctl}, the second a synchronous standby of the
 * first. Run as the postgres OS user when we are root (PostgreSQL refuses root), with the
 * monitor's health checks made fast so a failover takes seconds, not the defaults' ~30 s.
 */
final class PgAutoFailover implements AutoCloseable {

  static final Path PG_AUTOCTL = Path.of("/usr/bin/pg_autoctl");

  static final Requires REQUIRED = Requires.tool(PrivateServers.postgresAvailable() && Files.isExecutable(PG_AUTOCTL)
          && Files.exists(PrivateServers.PG_BIN.getParent().resolve("lib/pgautofailover.so")),
      "pg_auto_failover is not installed (/usr/bin/pg_autoctl and PostgreSQL 15's pgautofailover extension): "
          + "apt-get install postgresql-15-auto-failover (.ci/pgha does)");

  final Path dir;
  final int monitorPort;
  final int[] ports = new int[2];
  private final List<Process> processes = new ArrayList<>();
  private final Process[] data = new Process[2];

  private PgAutoFailover(Path dir) {
    this.dir = dir;
    this.monitorPort = TestNode.freePort();
    this.ports[0] = TestNode.freePort();
    this.ports[1] = TestNode.freePort();
  }

  /** Monitor, primary and synchronous standby, up and replicating; database {@code app}. */
  static PgAutoFailover start() {
    try {
      Path dir = PrivateServers.ownedTempDir("switchboard-pgaf");
      PgAutoFailover f = new PgAutoFailover(dir);
      try {
        f.startMonitor();
        f.data[0] = f.startNode(0);
        Await.until("the first data node is the primary", Duration.ofSeconds(60),
            () -> "single".equals(f.states().get(f.ports[0])));
        // the standby's base backup waits for a checkpoint; a spread one would take minutes
        f.sql(f.ports[0], "postgres", "ALTER SYSTEM SET fsync = off", "SELECT pg_reload_conf()", "CHECKPOINT");
        f.setPartitionTimeout(0);
        f.data[1] = f.startNode(1);
        Await.until("primary and synchronous standby", Duration.ofSeconds(90), () -> {
          f.sql(f.ports[0], "postgres", "CHECKPOINT");
          Map<Integer, String> s = f.states();
          return "primary".equals(s.get(f.ports[0])) && "secondary".equals(s.get(f.ports[1]));
        });
        f.setPartitionTimeout(1);
        Await.until("both data nodes answer", Duration.ofSeconds(30), () -> {
          try (Connection a = connect(f.ports[0], "app"); Connection b = connect(f.ports[1], "app")) {
            return a.isValid(2) && b.isValid(2);
          } catch (SQLException e) {
            return false;
          }
        });
        return f;
      } catch (RuntimeException e) {
        f.close();
        throw e;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a pg_auto_failover formation: " + e.getMessage(), e);
    }
  }

  private void startMonitor() {
    processes.add(autoctl("monitor", List.of("create", "monitor", "--pgdata", dir.resolve("monitor").toString(),
        "--pgport", String.valueOf(monitorPort), "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run")));
    Await.until("pg_auto_failover monitor", Duration.ofSeconds(60), () -> {
      try (Connection c = connect(monitorPort, "pg_auto_failover")) {
        return c.isValid(1);
      } catch (SQLException e) {
        return false;
      }
    });
    // health checks every 500 ms, a node unhealthy after 2 s: seconds to a failover (docs/scaling.md)
    sql(monitorPort, "pg_auto_failover",
        "ALTER SYSTEM SET pgautofailover.health_check_period = 500",
        "ALTER SYSTEM SET pgautofailover.health_check_timeout = 500",
        "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 200",
        "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1",
        "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 2000",
        // the promoted standby takes writes once the old primary has had this long to demote
        // itself; it must exceed the keepers' network_partition_timeout (set below)
        "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 4000",
        "SELECT pg_reload_conf()");
  }

  /**
   * A primary cut off from the monitor and its standby demotes itself after this many seconds
   * (the fence that lets the monitor promote the standby after primary_demote_timeout).
   */
  private void setPartitionTimeout(int i) {
    String pgdata = dir.resolve("node" + (i + 1)).toString();
    Await.until("node" + (i + 1) + "'s keeper configured", Duration.ofSeconds(30), () -> {
      try {
        runAutoctl(List.of("config", "set", "--pgdata", pgdata, "timeout.network_partition_timeout", "2"));
        runAutoctl(List.of("reload", "--pgdata", pgdata));
        return true;
      } catch (IllegalStateException e) {
        return false;
      }
    });
  }

  private void runAutoctl(List<String> args) {
    PrivateServers.run(command(args));
  }

  private Process startNode(int i) {
    Process p = autoctl("node" + (i + 1), List.of("create", "postgres", "--pgdata", dir.resolve("node" + (i + 1)).toString(),
        "--pgport", String.valueOf(ports[i]), "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl",
        "--name", "node" + (i + 1), "--dbname", "app",
        "--monitor", "postgres://autoctl_node@127.0.0.1:" + monitorPort + "/pg_auto_failover?sslmode=disable", "--run"));
    processes.add(p);
    return p;
  }

  /** {@code pg_autoctl args}, its state under the temp folder (not the postgres user's home). */
  private Process autoctl(String name, List<String> args) {
    List<String> cmd = command(args);
    try {
      return new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve(name + ".log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start pg_autoctl: " + e.getMessage(), e);
    }
  }

  private List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>();
    if (PrivateServers.isRoot()) {
      cmd.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of("env", "PATH=" + PrivateServers.PG_BIN + ":/usr/bin:/bin",
        "XDG_CONFIG_HOME=" + dir.resolve("config"), "XDG_DATA_HOME=" + dir.resolve("share"), "HOME=" + dir,
        PG_AUTOCTL.toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** The libpq multi-host URL of the data nodes, as DATABASE_URL takes it. */
  String url() {
    return "postgresql://postgres@127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + "/app?target_session_attrs=read-write";
  }

  /** pgjdbc's form, for the test's own checks: always the current primary. */
  String jdbc() {
    return "jdbc:postgresql://127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + "/app?targetServerType=primary";
  }

  /** Each data node's port and the state the monitor last heard it report. */
  Map<Integer, String> states() {
    Map<Integer, String> out = new HashMap<>();
    try (Connection c = connect(monitorPort, "pg_auto_failover"); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT nodeport, reportedstate::text FROM pgautofailover.node")) {
      while (rs.next()) {
        out.put(rs.getInt(1), rs.getString(2));
      }
    } catch (SQLException e) {
      // not ready yet
    }
    return out;
  }

  /**
   * Kills data node {@code i} outright, as a machine that dies: its pg_autoctl supervisor first
   * (it would start PostgreSQL again), then every process under it.
   */
  void kill(int i) {
    Process p = data[i];
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.sort((a, b) -> Boolean.compare(isPostgres(a), isPostgres(b)));
    tree.forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    String pgdata = dir.resolve("node" + (i + 1)).toString();
    // a postmaster started by a supervisor in the instant before it died
    ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(pgdata)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private static boolean isPostgres(ProcessHandle h) {
    return h.info().command().map(c -> c.endsWith("/postgres")).orElse(false);
  }

  void sql(int port, String db, String... statements) {
    try (Connection c = connect(port, db); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(String.join("; ", statements) + " on " + port + ": " + e.getMessage(), e);
    }
  }

  static Connection connect(int port, String db) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?connectTimeout=2", "postgres", null);
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
      tree.forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
    PrivateServers.deleteTree(dir);
  }
}
