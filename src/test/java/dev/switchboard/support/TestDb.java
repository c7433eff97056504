package dev.switchboard.support;

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

  public static TestDb create() {
    TestDb db = new TestDb("sb_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    db.admin("CREATE DATABASE " + db.name);
    return db;
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

  private void admin(String sql) {
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
