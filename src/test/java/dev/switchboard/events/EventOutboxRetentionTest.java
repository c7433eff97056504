package dev.switchboard.events;

import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;

import static org.assertj.core.api.Assertions.assertThat;

/** Pruning the outbox keeps the rows an enabled outgoing webhook endpoint has not read yet. */
class EventOutboxRetentionTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Retention").build();

  @Test
  void rowsAfterAnEnabledEndpointsCursorStayPastTheRetention() throws Exception {
    TestDb db = env.db();
    long account = env.account().accountId();
    for (int pos = 1; pos <= 10; pos++) {
      Seed.exec(db, "INSERT INTO event_outbox (pos, account_id, body, created_at) VALUES (?, ?, '{}', now() - interval '2 hours')",
          pos, account);
    }
    long live = Seed.insert(db, "INSERT INTO webhook_endpoints (account_id, url, events, secret, cursor_pos) "
        + "VALUES (?, 'https://example.com/a', ARRAY['*'], 's', 4) RETURNING id", account);
    // a disabled endpoint holds nothing back, however far behind it is
    Seed.insert(db, "INSERT INTO webhook_endpoints (account_id, url, events, secret, cursor_pos, disabled_at) "
        + "VALUES (?, 'https://example.com/b', ARRAY['*'], 's', 1, now()) RETURNING id", account);

    assertThat(prune(db, 10)).isEqualTo(4);
    assertThat(Seed.strings(db, "SELECT pos FROM event_outbox ORDER BY pos")).containsExactly("5", "6", "7", "8", "9", "10");

    Seed.exec(db, "UPDATE webhook_endpoints SET disabled_at = now() WHERE id = ?", live);
    assertThat(prune(db, 10)).isEqualTo(6);
  }

  private static int prune(TestDb db, long relayed) throws Exception {
    try (Connection c = db.connect();
         PreparedStatement p = c.prepareStatement(EventSql.PRUNE.replace("$1", "?").replace("$2", "?").replace("$3", "?"))) {
      p.setLong(1, relayed);
      p.setLong(2, 60_000);
      p.setInt(3, 1_000_000);
      return p.executeUpdate();
    }
  }
}
