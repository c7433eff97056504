package dev.switchboard.conversation;

import dev.switchboard.support.TestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Message statuses: one rule, the same in Java and in the SQL that applies statuses")
class MessageStatusTest {

  static TestDb db;

  @BeforeAll
  static void start() {
    db = TestDb.createEmpty();
  }

  @AfterAll
  static void stop() {
    db.drop();
  }

  @Test
  @DisplayName("forward only, failed replaces only pending or sent, nothing replaces failed, unknown names move nothing")
  void rule() {
    assertThat(MessageStatus.moves("sent", "delivered")).isTrue();
    assertThat(MessageStatus.moves("delivered", "read")).isTrue();
    assertThat(MessageStatus.moves("pending", "read")).isTrue();
    assertThat(MessageStatus.moves("read", "delivered")).as("a late delivered never undoes read").isFalse();
    assertThat(MessageStatus.moves("delivered", "delivered")).isFalse();
    assertThat(MessageStatus.moves("sent", "failed")).isTrue();
    assertThat(MessageStatus.moves("pending", "failed")).isTrue();
    assertThat(MessageStatus.moves("delivered", "failed")).as("a failure after delivery is ignored").isFalse();
    assertThat(MessageStatus.moves("failed", "read")).isFalse();
    assertThat(MessageStatus.moves("sent", "deleted")).isFalse();
    assertThat(MessageStatus.moves("bogus", "read")).isFalse();
    assertThat(MessageStatus.moves(null, "read")).isFalse();
  }

  @Test
  @DisplayName("the SQL expression agrees with the Java rule for every pair of statuses")
  void sqlAgrees() throws Exception {
    List<String> names = new ArrayList<>();
    for (MessageStatus s : MessageStatus.values()) {
      names.add(s.wire());
    }
    names.add("unknown");
    try (Connection c = db.connect()) {
      for (String current : names) {
        for (String next : names) {
          String q = MessageStatus.movesForwardSql("cur", "nxt");
          try (PreparedStatement p = c.prepareStatement("SELECT coalesce(" + q + ", false) FROM (SELECT ?::text AS cur, ?::text AS nxt) x")) {
            p.setString(1, current);
            p.setString(2, next);
            try (ResultSet r = p.executeQuery()) {
              r.next();
              assertThat(r.getBoolean(1)).as(current + " -> " + next).isEqualTo(MessageStatus.moves(current, next));
            }
          }
        }
      }
    }
  }
}
