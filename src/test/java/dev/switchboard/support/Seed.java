package dev.switchboard.support;

import dev.switchboard.auth.Passwords;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Rows for tests, written straight to the test database (blocking JDBC on the test thread). */
public final class Seed {

  /** Cheap hashes: the login path verifies any iteration count stored in the hash. */
  private static final int TEST_ITERATIONS = 1_000;

  private Seed() {
  }

  public record Account(long accountId, long adminId, String adminEmail, String password) {
  }

  public static Account account(TestDb db, String name) {
    String email = "admin+" + java.util.UUID.randomUUID().toString().substring(0, 8) + "@" + name.toLowerCase().replace(' ', '-') + ".test";
    String password = "secret-" + name;
    long accountId = insert(db, "INSERT INTO accounts (name) VALUES (?) RETURNING id", name);
    long adminId = user(db, accountId, "Admin " + name, email, password, "admin");
    return new Account(accountId, adminId, email, password);
  }

  public static long user(TestDb db, long accountId, String name, String email, String password, String role) {
    return insert(db, "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, ?, ?) RETURNING id",
        accountId, name, email, Passwords.hash(password, TEST_ITERATIONS), role);
  }

  public static long channel(TestDb db, long accountId, String platform, String externalId) {
    return insert(db, "INSERT INTO channels (account_id, platform, name, external_id, access_token) VALUES (?, ?, ?, ?, ?) RETURNING id",
        accountId, platform, platform + " " + externalId, externalId, "token-" + externalId);
  }

  public static long insert(TestDb db, String sql, Object... args) {
    try (Connection c = db.connect(); PreparedStatement ps = bind(c, sql, args); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Runs a statement that returns nothing to read (DELETE, UPDATE without RETURNING, DDL). */
  public static void exec(TestDb db, String sql, Object... args) {
    try (Connection c = db.connect(); PreparedStatement ps = bind(c, sql, args)) {
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** The first column of every row, as text. */
  public static List<String> strings(TestDb db, String sql, Object... args) {
    List<String> out = new ArrayList<>();
    try (Connection c = db.connect(); PreparedStatement ps = bind(c, sql, args); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static PreparedStatement bind(Connection c, String sql, Object... args) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
    return ps;
  }

  /** Runs a query returning one number (a count, an id). */
  public static long scalar(TestDb db, String sql, Object... args) {
    return insert(db, sql, args);
  }
}
