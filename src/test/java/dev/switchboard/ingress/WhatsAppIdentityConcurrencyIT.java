package dev.switchboard.ingress;

import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on one database process the shapes of one customer at the same moment: phone only
 * on one, BSUID only and phone with BSUID on the other. However their batches interleave, each
 * customer ends as one contact with one conversation holding every message.
 */
@DisplayName("Two nodes processing both shapes of one WhatsApp customer at once create one contact")
class WhatsAppIdentityConcurrencyIT {

  static final String WA = "118812345678901";
  static final int PEOPLE = 40;

  static TestDb db;
  static TestNode a;
  static TestNode b;
  static Http httpA;
  static Http httpB;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    String prefix = TestNode.newRedisPrefix();
    // small batches and two at a time per node: many transactions overlap
    JsonObject settings = new JsonObject().put("PROCESSOR_SWEEP_MS", 100).put("PROCESSOR_BATCH", 3).put("PROCESSOR_CONCURRENCY", 2);
    a = TestNode.start(db, prefix, settings);
    b = TestNode.start(db, prefix, settings);
    httpA = new Http(a.vertx, a.baseUrl());
    httpB = new Http(b.vertx, b.baseUrl());
    Seed.Account account = Seed.account(db, "Race");
    Seed.channel(db, account.accountId(), "whatsapp", WA);
  }

  @AfterAll
  static void stop() {
    httpA.close();
    httpB.close();
    a.close();
    b.close();
    db.drop();
  }

  static byte[] shape(String file, int i) {
    String s = new String(Fixtures.bytes(file), StandardCharsets.UTF_8)
        .replace("US.8F3K2LQZ7WXC91HD0P5MTA", bsuid(i)).replace("14155550177", phone(i)).replace("\"wamid.", "\"wamid.race" + i + ".");
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String bsuid(int i) {
    return "US.RACE" + i + "X";
  }

  static String phone(int i) {
    return "1415777" + String.format("%04d", i);
  }

  static byte[] phoneOnly(int i) {
    String s = new String(Fixtures.bytes("whatsapp_text.json"), StandardCharsets.UTF_8).replace("14155550123", phone(i))
        .replace("\"wamid.", "\"wamid.race" + i + ".phone.");
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("every customer: one contact (keyed by the BSUID, with the phone), one conversation, all three messages")
  void oneContactPerCustomer() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> posts = new ArrayList<>();
      for (int i = 0; i < PEOPLE; i++) {
        int n = i;
        posts.add(pool.submit(() -> httpA.signedWebhook("whatsapp", phoneOnly(n)).status()));
        posts.add(pool.submit(() -> httpB.signedWebhook("whatsapp", shape("whatsapp_text_phone_and_user_id.json", n)).status()));
        posts.add(pool.submit(() -> httpB.signedWebhook("whatsapp", shape("whatsapp_text_username_only.json", n)).status()));
      }
      for (Future<Integer> f : posts) {
        assertThat(f.get()).isEqualTo(200);
      }
    } finally {
      pool.shutdown();
    }
    Db.drained(db);
    assertThat(Db.rows(db, "SELECT id, error FROM raw_events WHERE status = 'failed'")).isEmpty();
    for (int i = 0; i < PEOPLE; i++) {
      List<java.util.Map<String, Object>> contacts = Db.rows(db,
          "SELECT id, platform_user_id, wa_id, bsuid FROM contacts WHERE wa_id = ? OR bsuid = ? OR platform_user_id IN (?, ?)",
          phone(i), bsuid(i), phone(i), bsuid(i));
      assertThat(contacts).as("contacts of customer " + i).hasSize(1);
      assertThat(contacts.get(0)).containsEntry("platform_user_id", bsuid(i)).containsEntry("wa_id", phone(i));
      Object contact = contacts.get(0).get("id");
      assertThat(Db.count(db, "SELECT count(*) FROM conversations WHERE contact_id = ?", contact)).isEqualTo(1);
      assertThat(Db.count(db, "SELECT count(*) FROM messages m JOIN conversations cv ON cv.id = m.conversation_id "
          + "WHERE cv.contact_id = ? AND m.external_id LIKE ?", contact, "wamid.race" + i + ".%")).isEqualTo(3);
    }
    assertThat(Db.count(db, "SELECT count(*) FROM contacts")).isEqualTo(PEOPLE);
  }
}
