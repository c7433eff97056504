package dev.switchboard.support;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
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

  // Every test database is a copy of one template migrated once per JVM: CREATE DATABASE ...
  // TEMPLATE takes a fraction of a second where each class running the migrations took seconds.
  // A node started on the copy finds its schema current.
  private static String template;

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
      TestDb tpl = createEmpty();
      Flyway.configure().dataSource(jdbc(tpl.url), user(), password())
          .locations("classpath:db/migration").load().migrate();
      template = tpl.name;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          tpl.drop();
        } catch (RuntimeException ignored) {
          // the server may be gone first (the embedded one stops in its own hook); .ci/run drops leftovers
        }
      }, "test-db-template-drop"));
    }
    return template;
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
