package dev.switchboard.ingress;

import dev.switchboard.support.Await;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Row reads for the ingress tests, and waiting for a database condition with a deadline (no fixed sleeps). */
final class Db {

  private Db() {
  }

  static List<Map<String, Object>> rows(TestDb db, String sql, Object... args) {
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            Object v = rs.getObject(i);
            if (v instanceof java.sql.Timestamp ts) {
              v = ts.toInstant().atOffset(java.time.ZoneOffset.UTC);
            }
            row.put(md.getColumnLabel(i), v instanceof org.postgresql.util.PGobject pg ? pg.getValue() : v);
          }
          out.add(row);
        }
        return out;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  static Map<String, Object> one(TestDb db, String sql, Object... args) {
    List<Map<String, Object>> r = rows(db, sql, args);
    if (r.size() != 1) {
      throw new AssertionError("expected one row, got " + r.size() + " for " + sql);
    }
    return r.get(0);
  }

  static long count(TestDb db, String sql, Object... args) {
    return ((Number) one(db, sql, args).values().iterator().next()).longValue();
  }

  static void execute(TestDb db, String sql, Object... args) {
    Seed.exec(db, sql, args);
  }

  /** Polls until the condition holds; fails with {@code what} after the deadline. */
  static void eventually(String what, BooleanSupplier condition) {
    eventually(what, Duration.ofSeconds(15), condition);
  }

  static void eventually(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(what, timeout, condition);
  }

  /** Every raw event processed (none pending). */
  static void drained(TestDb db) {
    eventually("raw events processed", () -> count(db, "SELECT count(*) FROM raw_events WHERE status = 'pending'") == 0);
  }
}
