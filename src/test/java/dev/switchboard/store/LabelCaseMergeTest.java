package dev.switchboard.store;

import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** V38 on data written before labels were one per account whatever their case. */
@DisplayName("V38 merges legacy labels that differ only in case into the account's least spelling")
class LabelCaseMergeTest {

  static TestDb db;
  static long acme;
  static long globex;
  static long[] contacts = new long[5];
  static long globexContact;

  @BeforeAll
  static void legacyData() {
    db = TestDb.createEmpty();
    db.migrate("37");
    acme = Seed.insert(db, "INSERT INTO accounts (name) VALUES ('Acme') RETURNING id");
    globex = Seed.insert(db, "INSERT INTO accounts (name) VALUES ('Globex') RETURNING id");
    long channel = Seed.insert(db, "INSERT INTO channels (account_id, platform, name, external_id, access_token) VALUES (?, 'messenger', 'p', '1', 't') RETURNING id", acme);
    long globexChannel = Seed.insert(db, "INSERT INTO channels (account_id, platform, name, external_id, access_token) VALUES (?, 'messenger', 'p', '2', 't') RETURNING id", globex);
    for (int i = 0; i < contacts.length; i++) {
      contacts[i] = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, ?) RETURNING id", acme, channel, "u" + i);
    }
    globexContact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, 'g') RETURNING id", globex, globexChannel);
    label(contacts[0], acme, "VIP");
    label(contacts[1], acme, "vip");
    // one contact with three spellings of one label keeps one row
    label(contacts[2], acme, "vip");
    label(contacts[2], acme, "Vip");
    label(contacts[2], acme, "VIP");
    // two spellings, neither of them the account's least one
    label(contacts[3], acme, "Vip");
    label(contacts[3], acme, "vip");
    label(contacts[4], acme, "billing");
    label(contacts[4], acme, "Lead");
    // another account's spellings are its own
    label(globexContact, globex, "vip");
    db.migrate(null);
  }

  @AfterAll
  static void drop() {
    db.drop();
  }

  static void label(long contact, long account, String name) {
    Seed.exec(db, "INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, ?)", contact, account, name);
  }

  @Test
  @DisplayName("every contact that had any spelling has exactly the least one; other labels and other accounts are untouched")
  void merged() {
    // "least" is the database's collation's, as at run time (byte order puts "VIP" first, en_US "vip")
    String least = Seed.strings(db, "SELECT min(name) FROM (VALUES ('VIP'), ('Vip'), ('vip')) v(name)").get(0);
    assertThat(Seed.strings(db, "SELECT DISTINCT name FROM contact_labels WHERE account_id = ?", acme))
        .containsExactlyInAnyOrder("billing", "Lead", least);
    for (int i = 0; i < 4; i++) {
      assertThat(Seed.strings(db, "SELECT name FROM contact_labels WHERE contact_id = ?", contacts[i])).as("contact %d", i)
          .containsExactly(least);
    }
    assertThat(Seed.strings(db, "SELECT name FROM contact_labels WHERE contact_id = ?", contacts[4]))
        .containsExactlyInAnyOrder("billing", "Lead");
    assertThat(Seed.strings(db, "SELECT name FROM contact_labels WHERE contact_id = ?", globexContact)).containsExactly("vip");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contact_labels WHERE account_id = ?", acme)).isEqualTo(6);
  }
}
