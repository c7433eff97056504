package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Names, labels and notes are bounded, normalised and never blank")
class InputLimitsTest extends InboxTestBase {

  static void refused(Http.Res r, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo(code);
  }

  @Test
  @DisplayName("agent, team and channel names: at most 200, one line, not invisible; channel ids are Meta's numbers")
  void adminNames() {
    Party g = party("Lambda");
    refused(g.admin().post("/api/v1/agents", new JsonObject().put("name", "x".repeat(100_000))
        .put("email", "long@lambda.test").put("password", "password-123")), "invalid_name");
    refused(g.admin().post("/api/v1/agents", new JsonObject().put("name", "\u200B")
        .put("email", "zw@lambda.test").put("password", "password-123")), "invalid_name");
    refused(g.admin().post("/api/v1/teams", new JsonObject().put("name", "y".repeat(201))), "invalid_name");
    refused(g.admin().post("/api/v1/teams", new JsonObject().put("name", "two\nlines")), "invalid_name");
    Http.Res team = g.admin().post("/api/v1/teams", new JsonObject().put("name", "  Caf\u0065\u0301 crew "));
    assertThat(team.status()).isEqualTo(201);
    assertThat(team.json().getString("name")).isEqualTo("Caf\u00E9 crew");
    JsonObject channel = new JsonObject().put("platform", "whatsapp").put("name", "Support").put("accessToken", "EAAG-token")
        .put("wabaId", "5550001");
    graph.ownsWhatsApp("EAAG-token", "5550001", "1098765432");
    refused(g.admin().post("/api/v1/channels", channel.copy().put("externalId", "1".repeat(10_000))), "invalid_external_id");
    refused(g.admin().post("/api/v1/channels", channel.copy().put("externalId", "<script>")), "invalid_external_id");
    refused(g.admin().post("/api/v1/channels", channel.copy().put("externalId", "1234").put("accessToken", "a b")), "invalid_token");
    assertThat(g.admin().post("/api/v1/channels", channel.copy().put("externalId", " 1098765432 ")).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("labels: at most 64, not only zero-width characters, one label whatever its case, removed in any case")
  void labels() {
    Party g = party("Mu");
    long c1 = contactOf(thread(g, g.whatsapp(), "4960000001", "One", "open", Instant.now()));
    long c2 = contactOf(thread(g, g.whatsapp(), "4960000002", "Two", "open", Instant.now()));
    refused(g.agent().post("/api/v1/contacts/" + c1 + "/labels", new JsonObject().put("name", "\u200B")), "invalid_name");
    refused(g.agent().post("/api/v1/contacts/" + c1 + "/labels", new JsonObject().put("name", "l".repeat(65))), "invalid_name");
    assertThat(g.agent().post("/api/v1/contacts/" + c1 + "/labels", new JsonObject().put("name", "VIP")).json()
        .getJsonArray("labels")).containsExactly("VIP");
    assertThat(g.agent().post("/api/v1/contacts/" + c1 + "/labels", new JsonObject().put("name", "vip")).json()
        .getJsonArray("labels")).containsExactly("VIP");
    assertThat(g.agent().post("/api/v1/contacts/" + c2 + "/labels", new JsonObject().put("name", "Vip")).json()
        .getJsonArray("labels")).containsExactly("VIP");
    assertThat(g.agent().get("/api/v1/labels").json().getJsonArray("items")).containsExactly("VIP");
    assertThat(g.agent().delete("/api/v1/contacts/" + c2 + "/labels/vip").json().getJsonArray("labels")).isEmpty();
  }

  @Test
  @DisplayName("a NUL character anywhere in a body (e-mail, field value, note, reply, attachment URL, a key) is 422 invalid_text naming where, "
      + "never a 500, and nothing is stored")
  void nulCharactersAreRefusedNamingTheField() {
    long conv = thread(a, a.messenger(), "psid-nul", "Nul", "open", Instant.now().minusSeconds(60));
    long contact = contactOf(conv);
    message(a.accountId(), conv, a.messenger(), "in", "incoming", "hi", Instant.now().minusSeconds(60));
    long messagesBefore = Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id = ?", conv);
    String messages = "/api/v1/conversations/" + conv + "/messages";
    JsonObject attachment = new JsonObject().put("url", "https://cdn.example.test/a\u0000.png").put("mimeType", "image/png");
    record Case(Http.Res answer, String names) { }
    List<Case> cases = List.of(
        new Case(a.agent().patch("/api/v1/contacts/" + contact, new JsonObject().put("email", "a\u0000b@example.test")), "email"),
        new Case(a.agent().put("/api/v1/contacts/" + contact + "/fields/tier", new JsonObject().put("value", "go\u0000ld")), "value"),
        new Case(a.agent().post(messages, new JsonObject().put("type", "note").put("text", "see\u0000 this")), "text"),
        new Case(a.agent().post(messages, new JsonObject().put("type", "reply").put("text", "he\u0000llo")), "text"),
        new Case(a.agent().post(messages, new JsonObject().put("type", "note").put("text", "file")
            .put("attachments", new io.vertx.core.json.JsonArray().add(attachment))), "attachments[0].url"),
        new Case(a.agent().patch("/api/v1/contacts/" + contact, new JsonObject().put("displayName", "Ok").put("x\u0000", 1)), "a field name"));
    for (Case c : cases) {
      refused(c.answer(), "invalid_text");
      assertThat(c.answer().json().getJsonObject("error").getString("message")).as(c.answer().text()).startsWith(c.names());
    }
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE id = ? AND email IS NULL AND display_name = 'Nul'", contact)).isOne();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contact_fields WHERE contact_id = ?", contact)).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id = ?", conv)).isEqualTo(messagesBefore);
  }

  @Test
  @DisplayName("a note is at most 4,096 characters; a saved reply's title one line")
  void notes() {
    Party g = party("Nu");
    long conv = thread(g, g.whatsapp(), "4960000003", "Three", "open", Instant.now());
    refused(g.agent().post("/api/v1/conversations/" + conv + "/messages",
        new JsonObject().put("type", "note").put("text", "n".repeat(900_000))), "text_too_long");
    assertThat(g.agent().post("/api/v1/conversations/" + conv + "/messages",
        new JsonObject().put("type", "note").put("text", "n".repeat(4096))).status()).isEqualTo(201);
    refused(g.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "a\nb").put("content", "hi")), "invalid_name");
  }

  @Test
  @DisplayName("how many: a contact carries at most 100 labels and 100 fields (counted under a lock: 8 adds at once at 98 end at 100), "
      + "an account at most 200 flows, 1,000 saved replies, 500 teams and 5,000 people; what a contact has already can still be set")
  void counts() throws Exception {
    Party g = party("Counting");
    long contact = contact(g.accountId(), g.whatsapp(), "cnt-1", null, null, null);
    Seed.exec(db, "INSERT INTO contact_labels (contact_id, account_id, name) SELECT ?, ?, 'l' || n FROM generate_series(1, 98) n",
        contact, g.accountId());
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) SELECT ?, ?, 'f' || n, 'v' FROM generate_series(1, 100) n",
        contact, g.accountId());
    String path = "/api/v1/contacts/" + contact;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Http.Res>> adds = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String name = "race" + i;
        adds.add(pool.submit(() -> g.agent().post(path + "/labels", new JsonObject().put("name", name))));
      }
      int ok = 0;
      for (java.util.concurrent.Future<Http.Res> f : adds) {
        Http.Res r = f.get();
        if (r.status() == 200) {
          ok++;
        } else {
          refused(r, "too_many_labels");
        }
      }
      assertThat(ok).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contact_labels WHERE contact_id = ?", contact)).isEqualTo(100L);
    assertThat(g.agent().post(path + "/labels", new JsonObject().put("name", "L1")).status()).as("one it has, in another case").isEqualTo(200);
    refused(g.agent().put(path + "/fields/f101", new JsonObject().put("value", "x")), "too_many_fields");
    assertThat(g.agent().put(path + "/fields/f1", new JsonObject().put("value", "changed")).status()).isEqualTo(200);
    assertThat(g.agent().delete(path + "/fields/f2").status()).isEqualTo(200);
    assertThat(g.agent().put(path + "/fields/f101", new JsonObject().put("value", "x")).status()).as("room again").isEqualTo(200);

    Seed.exec(db, "INSERT INTO flows (account_id, position, name, trigger, actions) SELECT ?, n, 'flow ' || n, "
        + "'{\"type\":\"any\"}', '[{\"type\":\"reply\",\"text\":\"hi\"}]' FROM generate_series(1, 200) n", g.accountId());
    refused(g.admin().post("/api/v1/flows", new JsonObject().put("name", "one more").put("trigger", new JsonObject().put("type", "any"))
        .put("actions", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "reply").put("text", "hi")))), "too_many_flows");
    Seed.exec(db, "INSERT INTO saved_replies (account_id, title, content) SELECT ?, 'r' || n, 'text' FROM generate_series(1, 1000) n", g.accountId());
    refused(g.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "one more").put("content", "hi")), "too_many_saved_replies");
    assertThat(a.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "another account").put("content", "hi")).status())
        .as("another account's count is its own").isEqualTo(201);

    Seed.exec(db, "INSERT INTO teams (account_id, name) SELECT ?, 'team ' || n FROM generate_series(1, 499) n", g.accountId());
    assertThat(g.admin().post("/api/v1/teams", new JsonObject().put("name", "the 500th")).status()).isEqualTo(201);
    refused(g.admin().post("/api/v1/teams", new JsonObject().put("name", "the 501st")), "too_many_teams");
    Seed.exec(db, "INSERT INTO users (account_id, name, email, password_hash, role, active) "
        + "SELECT ?, 'agent ' || n, 'a' || n || '@counting.test', 'x', 'agent', n % 2 = 0 FROM generate_series(1, 5000) n", g.accountId());
    refused(g.admin().post("/api/v1/agents", new JsonObject().put("name", "One more").put("email", "more@counting.test")
        .put("password", "password-123")), "too_many_agents");
  }
}
