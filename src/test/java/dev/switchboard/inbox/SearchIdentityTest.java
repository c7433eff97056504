package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Search finds WhatsApp customers by username and by business-scoped user id, only in the caller's account")
class SearchIdentityTest extends InboxTestBase {

  static long usernameCustomer(Party p, String bsuid, String username, Instant at) {
    long conv = thread(p, p.whatsapp(), bsuid, null, "open", at);
    Seed.insert(db, "UPDATE contacts SET bsuid = ?, username = ?, platform_name = 'Robin Sails' WHERE id = ? RETURNING 1",
        bsuid, username, contactOf(conv));
    return conv;
  }

  static JsonArray search(Party p, String q) {
    return p.agent().get("/api/v1/search?q=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8)).items();
  }

  static boolean has(JsonArray items, long conv) {
    return items.stream().map(JsonObject.class::cast).anyMatch(c -> c.getString("id").equals(String.valueOf(conv)));
  }

  @Test
  @DisplayName("@username, a part of it, and the exact BSUID find the conversation; the contact shows username and userId; another account finds nothing")
  void byUsernameAndBsuid() {
    Party a = party("Lambda");
    Party other = party("Mu");
    Instant t = Instant.parse("2026-03-05T10:00:00Z");
    long conv = usernameCustomer(a, "US.LAMBDA0001ROBIN", "robin_sails", t);
    usernameCustomer(other, "US.MU0001ROBIN", "robin_sails", t);
    thread(a, a.whatsapp(), "4970000001", "Someone else", "open", t);

    assertThat(has(search(a, "@robin_sails"), conv)).isTrue();
    assertThat(has(search(a, "robin_sa"), conv)).isTrue();
    assertThat(has(search(a, "@ro"), conv)).isTrue();
    JsonArray byId = search(a, "US.LAMBDA0001ROBIN");
    assertThat(byId).hasSize(1);
    JsonObject contact = byId.getJsonObject(0).getJsonObject("contact");
    assertThat(contact.getString("username")).isEqualTo("robin_sails");
    assertThat(contact.getString("userId")).isEqualTo("US.LAMBDA0001ROBIN");
    assertThat(contact.getString("phone")).isNull();
    assertThat(search(a, "@nobody_here")).isEmpty();
    assertThat(search(a, "US.MU0001ROBIN")).isEmpty();
    assertThat(search(a, "@robin_sails")).allSatisfy(c -> assertThat(((JsonObject) c).getString("accountId"))
        .isEqualTo(String.valueOf(a.accountId())));
  }

  @Test
  @DisplayName("a parent BSUID finds every conversation of contacts tied to it, newest first, only in the caller's account, on its index")
  void byParentBsuid() throws Exception {
    Party a = party("Nu");
    Party other = party("Xi");
    String parent = "US.ENT.NU00PARENT01";
    long older = usernameCustomer(a, "US.NU0001CHILDA", "child_a", Instant.parse("2026-03-05T10:00:00Z"));
    long newer = usernameCustomer(a, "US.NU0001CHILDB", "child_b", Instant.parse("2026-03-06T10:00:00Z"));
    long unrelated = usernameCustomer(a, "US.NU0001OTHER", "other_c", Instant.parse("2026-03-07T10:00:00Z"));
    long elsewhere = usernameCustomer(other, "US.XI0001CHILD", "child_x", Instant.parse("2026-03-07T10:00:00Z"));
    for (long conv : new long[] {older, newer, elsewhere}) {
      Seed.insert(db, "UPDATE contacts SET parent_bsuid = ? WHERE id = ? RETURNING 1", parent, contactOf(conv));
    }
    Seed.insert(db, "UPDATE contacts SET parent_bsuid = 'US.ENT.SOMEONEELSE' WHERE id = ? RETURNING 1", contactOf(unrelated));

    Http.Res r = a.agent().get("/api/v1/search?q=" + parent);
    assertThat(r.json().getString("kind")).isEqualTo("parentUserId");
    assertThat(r.items().stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(String.valueOf(newer), String.valueOf(older));
    assertThat(r.items().getJsonObject(0).getJsonObject("contact").getString("parentUserId")).isEqualTo(parent);
    assertThat(search(other, parent)).hasSize(1);
    assertThat(search(a, "US.ENT.NU00NOBODY")).isEmpty();

    // the search's lookup (account and parent) can use the partial index; with a few rows the planner may prefer a scan
    try (var c = db.connect(); var st = c.createStatement()) {
      st.execute("SET enable_seqscan = off");
      StringBuilder plan = new StringBuilder();
      try (var rs = st.executeQuery("EXPLAIN SELECT id FROM contacts WHERE account_id = " + a.accountId()
          + " AND parent_bsuid = '" + parent + "'")) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      assertThat(plan.toString()).contains("contacts_parent_bsuid_idx");
    }
  }
}
