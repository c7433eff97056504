package dev.switchboard.store;

import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** V46: the WhatsApp statuses parked as dead letters move to early_statuses; real dead letters stay. */
@DisplayName("V46 moves early WhatsApp statuses out of dead_letters and leaves the rest")
class EarlyStatusMoveTest {

  static TestDb db;

  @BeforeAll
  static void legacyData() {
    db = TestDb.createEmpty();
    db.migrate("39");
    Seed.exec(db, "INSERT INTO dead_letters (platform, external_id, reason, payload) VALUES "
        + "('whatsapp', 'wamid.A', 'status ''delivered'' for an unknown message wamid.A', '{\"id\":\"wamid.A\",\"status\":\"delivered\"}'), "
        + "('whatsapp', '100000000000009', 'no channel with this id', '{\"id\":\"100000000000009\"}'), "
        + "('messenger', NULL, 'status ''read'' for an unknown message m_1', '{\"id\":\"m_1\",\"status\":\"read\"}')");
    db.migrate(null);
  }

  @AfterAll
  static void drop() {
    db.drop();
  }

  @Test
  @DisplayName("the WhatsApp status is in early_statuses by wamid; the unknown channel and the Messenger status stay dead letters")
  void moved() {
    assertThat(Seed.strings(db, "SELECT wamid || ' ' || (payload->>'status') FROM early_statuses")).containsExactly("wamid.A delivered");
    assertThat(Seed.strings(db, "SELECT coalesce(external_id, '-') FROM dead_letters ORDER BY id")).containsExactly("100000000000009", "-");
  }
}
