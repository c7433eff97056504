package dev.switchboard.support;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database per test class, created through the base database
 * {@link TestServers#postgres()} picks: {@code TEST_DATABASE_URL}, else the switchboard role, else
 * the postgres superuser on loopback, else an embedded PostgreSQL.
 */
public final class TestDb {

  public static final String BASE_URL = TestServers.postgres();

  private final String name;
  private final String url;

  private TestDb(String name) {
    this.name = name;
    this.url = BASE_URL.substring(0, BASE_URL.lastIndexOf('/') + 1) + name;
  }

  // Every test database is a copy of one migrated template: CREATE DATABASE ... TEMPLATE takes a
  // fraction of a second where running the migrations took seconds. The template is named by a
  // hash of the migration files and kept on the server, so the test JVMs of one run (and the next
  // runs, until a migration changes) migrate it once between them. A node started on a copy finds
  // its schema current.
  private static String template;
  /** The advisory lock under which one JVM at a time creates a missing template. */
  private static final long TEMPLATE_LOCK = 0x5357_5450_4c00L;

  /** A fresh database with the current schema. */
  public static TestDb create() {
    TestDb db = new TestDb(newName());
    admin("CREATE DATABASE " + db.name + " TEMPLATE " + template());
    return db;
  }

  /** A fresh database without the schema, for a test of the migrations themselves. */
  public static TestDb createEmpty() {
    TestDb db = new TestDb(newName());
    admin("CREATE DATABASE " + db.name);
    return db;
  }

  private static String newName() {
    return "sb_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static synchronized String template() {
    if (template == null) {
      String name = "sb_tpl_" + migrationsHash();
      try (Connection c = DriverManager.getConnection(jdbc(BASE_URL), user(), password()); Statement st = c.createStatement()) {
        st.execute("SELECT pg_advisory_lock(" + TEMPLATE_LOCK + ")");
        try {
          boolean exists;
          try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
            exists = rs.next();
          }
          if (!exists) {
            // migrated under another name and renamed when complete: a JVM killed half-way leaves no template that lacks tables
            TestDb tpl = new TestDb(name + "_new");
            tpl.drop();
            admin("CREATE DATABASE " + tpl.name);
            Flyway.configure().dataSource(jdbc(tpl.url), user(), password())
                .locations("classpath:db/migration").load().migrate();
            admin("ALTER DATABASE " + tpl.name + " RENAME TO " + name);
          }
        } finally {
          st.execute("SELECT pg_advisory_unlock(" + TEMPLATE_LOCK + ")");
        }
      } catch (SQLException e) {
        throw new IllegalStateException("test database template " + name + ": " + e.getMessage(), e);
      }
      template = name;
    }
    return template;
  }

  /** The first 12 hex digits of a SHA-256 over the migration files' names and contents, in name order. */
  static String migrationsHash() {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      java.net.URL dir = TestDb.class.getResource("/db/migration");
      if (dir == null || !"file".equals(dir.getProtocol())) {
        // migrations inside a jar: no cheap way to list them, so this JVM's own template
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      }
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(dir.toURI()))) {
        for (java.nio.file.Path f : files.sorted().toList()) {
          sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          sha.update(java.nio.file.Files.readAllBytes(f));
        }
      }
      return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (java.io.IOException | java.net.URISyntaxException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Migrates this database up to {@code version} (inclusive), or to the latest with null: for tests of one migration's data. */
  public void migrate(String version) {
    var config = Flyway.configure().dataSource(jdbc(url), user(), password()).locations("classpath:db/migration");
    (version == null ? config : config.target(version)).load().migrate();
  }

  /** {@code postgresql://...} for the node's DATABASE_URL. */
  public String url() {
    return url;
  }

  public String name() {
    return name;
  }

  /** A JDBC connection to this database, for tests that inspect rows directly. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbc(url), user(), password());
  }

  public void drop() {
    admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void admin(String sql) {
    try (Connection c = DriverManager.getConnection(jdbc(BASE_URL), user(), password());
         Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static String jdbc(String url) {
    java.net.URI u = java.net.URI.create(url);
    return "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath();
  }

  private static String user() {
    String info = java.net.URI.create(BASE_URL).getUserInfo();
    return info == null ? "postgres" : info.split(":", 2)[0];
  }

  private static String password() {
    String info = java.net.URI.create(BASE_URL).getUserInfo();
    return info == null || !info.contains(":") ? null : info.split(":", 2)[1];
  }

  static String env(String key, String fallback) {
    String v = System.getenv(key);
    return v == null || v.isBlank() ? fallback : v;
  }
}
