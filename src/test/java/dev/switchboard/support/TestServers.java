package dev.switchboard.support;

import dev.switchboard.embedded.EmbeddedServers;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Which PostgreSQL and Redis the tests use: the ones named by the environment (or the defaults)
 * when they answer, otherwise embedded ones, started once per JVM on first need and stopped at
 * JVM exit. So {@code mvn verify} passes on a machine with only a JDK and Maven.
 * <p>
 * PostgreSQL: {@code TEST_DATABASE_URL} when set; otherwise the {@code switchboard} role
 * ({@code .ci/run} creates it), then the {@code postgres} superuser, both on 127.0.0.1:5432. A
 * candidate counts only if it logs in and may create databases (each test class gets its own),
 * so a server without the role, or with a role that cannot create databases, is never a failure.
 * <p>
 * {@code TEST_EMBEDDED=never} turns the fallback off (a missing service then fails the tests);
 * {@code TEST_EMBEDDED=always} uses the embedded servers even where real ones answer.
 */
public final class TestServers {

  private static EmbeddedServers embedded;
  private static Path embeddedDir;

  private TestServers() {
  }

  /** The role {@code .ci/run} creates, with CREATEDB. */
  static final String ROLE_URL = "postgresql://switchboard:switchboard@127.0.0.1:5432/switchboard";
  /** The superuser of a stock local install that trusts loopback. */
  static final String SUPERUSER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

  /** The base PostgreSQL URL to create test databases through, chosen as the class comment says. */
  public static String postgres() {
    return choosePostgres(System.getenv("TEST_DATABASE_URL"), TestDb.env("TEST_EMBEDDED", "auto"),
        TestServers::postgresUsable, () -> embedded().adminDatabaseUrl());
  }

  /** {@code configured} when it answers, else the embedded server ({@code TEST_EMBEDDED} still applies). */
  public static String postgres(String configured) {
    return choosePostgres(configured, TestDb.env("TEST_EMBEDDED", "auto"), TestServers::postgresUsable,
        () -> embedded().adminDatabaseUrl());
  }

  /**
   * The first usable candidate: {@code configured} alone when given, else the role and then the
   * superuser; the embedded server when none is usable. Probes are passed in, so the order can
   * be tested without servers.
   */
  static String choosePostgres(String configured, String mode, Predicate<String> usable, Supplier<String> embedded) {
    List<String> candidates = configured == null || configured.isBlank() ? List.of(ROLE_URL, SUPERUSER_URL) : List.of(configured);
    if (mode.equals("always")) {
      return embedded.get();
    }
    for (String url : candidates) {
      if (usable.test(url)) {
        return url;
      }
    }
    // never: the first candidate anyway, so its own error says what is wrong
    return mode.equals("never") ? candidates.get(0) : embedded.get();
  }

  /** The Redis URL for test nodes. */
  public static String redis(String configured) {
    if (useConfigured(redisAnswers(configured))) {
      return configured;
    }
    return embedded().redisUrl();
  }

  /** True once the embedded fallback was started in this JVM. */
  public static synchronized boolean embeddedStarted() {
    return embedded != null;
  }

  private static boolean useConfigured(boolean answers) {
    String mode = TestDb.env("TEST_EMBEDDED", "auto");
    return switch (mode) {
      case "never" -> true;
      case "always" -> false;
      default -> answers;
    };
  }

  private static synchronized EmbeddedServers embedded() {
    if (embedded == null) {
      try {
        embeddedDir = Files.createTempDirectory("switchboard-test-servers");
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a folder for the embedded test servers", e);
      }
      // on the console, not in a test's output file: a run on embedded servers should say so
      SkipReasons.CONSOLE.println("tests: starting an embedded PostgreSQL and Redis in " + embeddedDir
          + " (none usable at TEST_DATABASE_URL/TEST_REDIS_URL or on 127.0.0.1, or TEST_EMBEDDED=always)");
      embedded = EmbeddedServers.start(EmbeddedServers.Options.scratch(embeddedDir));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        embedded.close();
        deleteQuietly(embeddedDir);
      }, "embedded-test-servers-stop"));
    }
    return embedded;
  }

  // logs in and may create the per-class databases
  private static boolean postgresUsable(String url) {
    try {
      URI u = URI.create(url);
      String info = u.getUserInfo();
      String user = info == null ? "postgres" : info.split(":", 2)[0];
      String password = info == null || !info.contains(":") ? null : info.split(":", 2)[1];
      // timeouts in the URL, not DriverManager.setLoginTimeout: that one would bind every later connection
      try (Connection c = DriverManager.getConnection(TestDb.jdbc(url) + "?connectTimeout=3&loginTimeout=5", user, password);
           Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
        return rs.next() && rs.getBoolean(1);
      }
    } catch (SQLException | IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean redisAnswers(String url) {
    try {
      URI u = URI.create(url);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()), 2_000);
        s.setSoTimeout(2_000);
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] buf = new byte[64];
        int n = s.getInputStream().read(buf);
        String answer = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
        // a Redis that wants a password still answers; the URL carries it
        return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
      }
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder; the OS cleans it eventually
    }
  }
}
