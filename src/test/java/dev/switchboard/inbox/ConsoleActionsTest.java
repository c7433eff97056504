package dev.switchboard.inbox;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The console's actions: disconnecting a channel, deleting a team, an agent created into teams")
class ConsoleActionsTest extends InboxTestBase {

  @Test
  @DisplayName("disconnect → 409 on replies and templates, notes still written, pending sends fail, webhooks held; reconnect proves the token and processes them")
  void disconnectAndReconnect() {
    graph.ownsWhatsApp("EAAG-disconnect", "555000901", Webhooks.WA_PHONE_NUMBER_ID);
    graph.respond("GET", "/555000901/message_templates", FakeGraph.Answer.json(200, new JsonObject().put("data", new JsonArray()
        .add(new JsonObject().put("name", "order_update").put("language", "en_US").put("status", "APPROVED").put("category", "UTILITY")
            .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", "Hello {{1}}, your order {{2}} is on its way.")))))));
    Http.Res created = a.admin().post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "Front desk")
        .put("externalId", Webhooks.WA_PHONE_NUMBER_ID).put("wabaId", "555000901").put("accessToken", "EAAG-disconnect"));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    long channel = Long.parseLong(created.json().getString("id"));
    String conv = id(thread(a, channel, "15550001111", "Dora", "open", Instant.now()));
    Seed.exec(db, "UPDATE conversations SET last_inbound_at = now() WHERE id = ?", Long.parseLong(conv));
    message(a.accountId(), Long.parseLong(conv), channel, "in", "incoming", "hello", Instant.now());
    // a reply waiting its turn (due later), as if queued just before the disconnection
    long pending = Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, "
        + "sender_type, status, next_attempt_at) VALUES (?, ?, ?, 'out', 'reply', 'text', 'on its way', 'agent', 'pending', now() + interval '1 hour') "
        + "RETURNING id", a.accountId(), Long.parseLong(conv), channel);

    String path = "/api/v1/channels/" + channel;
    assertThat(a.agent().post(path + "/disconnect", new JsonObject()).status()).isEqualTo(403);
    assertThat(b.admin().post(path + "/disconnect", new JsonObject()).status()).isEqualTo(404);
    Http.Res off = a.admin().post(path + "/disconnect", new JsonObject());
    assertThat(off.status()).as(off.text()).isEqualTo(200);
    assertThat(off.json().getString("disconnectedAt")).isNotNull();
    assertThat(off.json().getInteger("failedMessages")).isEqualTo(1);
    assertThat(a.admin().post(path + "/disconnect", new JsonObject()).errorCode()).isEqualTo("unchanged");
    assertThat(Seed.strings(db, "SELECT status || ':' || error_code FROM messages WHERE id = ?", pending))
        .containsExactly("failed:channel_disconnected");
    assertThat(events(a.accountId())).anySatisfy(e -> assertThat(e.getString("type")).isEqualTo("channel.updated"))
        .anySatisfy(e -> assertThat(e.getString("type") + e.getJsonObject("data").getString("id")).isEqualTo("message.updated" + pending));

    // history is kept and readable; sending is refused plainly; a note (inside Switchboard) is written
    assertThat(a.agent().get("/api/v1/conversations/" + conv + "/messages").items()).hasSize(2);
    Http.Res reply = a.agent().post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "reply").put("text", "hi"));
    assertThat(reply.status()).as(reply.text()).isEqualTo(409);
    assertThat(reply.errorCode()).isEqualTo("channel_disconnected");
    Http.Res template = a.agent().post("/api/v1/conversations/" + conv + "/template", new JsonObject().put("name", "order_update")
        .put("language", "en_US").put("parameters", new JsonArray().add("Dora").add("42")));
    assertThat(template.status()).as(template.text()).isEqualTo(409);
    assertThat(template.errorCode()).isEqualTo("channel_disconnected");
    Http.Res note = a.agent().post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "call back later"));
    assertThat(note.status()).as(note.text()).isEqualTo(201);
    assertThat(a.agent().get("/api/v1/channels/" + channel).json().getString("disconnectedAt")).isNotNull();

    // the customer writes meanwhile: Meta gets 200, the message waits as a dead letter
    String wamid = Webhooks.wamid();
    Webhooks.Signed w = Webhooks.whatsappText("15550001111", wamid, "anyone there?");
    assertThat(http.webhook("whatsapp", w.body(), w.signature()).status()).isEqualTo(200);
    eventually(() -> Seed.scalar(db, "SELECT count(*) FROM dead_letters WHERE reason = 'channel_disconnected' AND external_id = ?",
        Webhooks.WA_PHONE_NUMBER_ID) == 1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", wamid)).isZero();

    // connecting again proves the token: a token Meta refuses leaves it disconnected
    Http.Res refused = a.admin().post(path + "/reconnect", new JsonObject().put("accessToken", "EAAG-not-issued"));
    assertThat(refused.status()).as(refused.text()).isEqualTo(422);
    assertThat(a.admin().get(path).json().getString("disconnectedAt")).isNotNull();
    Http.Res on = a.admin().post(path + "/reconnect", new JsonObject());
    assertThat(on.status()).as(on.text()).isEqualTo(200);
    assertThat(on.json().getString("disconnectedAt")).isNull();
    assertThat(on.json().getInteger("heldWebhooks")).isEqualTo(1);
    eventually(() -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", wamid) == 1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM dead_letters WHERE reason = 'channel_disconnected'")).isZero();
    Http.Res again = a.agent().post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "reply").put("text", "here now"));
    assertThat(again.status()).as(again.text()).isEqualTo(201);
    assertThat(a.admin().post(path + "/reconnect", new JsonObject()).errorCode()).isEqualTo("unchanged");
  }

  @Test
  @DisplayName("deleting a team: its Assigned conversations go back to Open unassigned, with history and events; others are untouched")
  void deleteTeam() {
    long team = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, 'Billing') RETURNING id", a.accountId());
    Seed.insert(db, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?) RETURNING team_id", team, a.agentId());
    long assigned = conversation(a.accountId(), a.whatsapp(), contact(a.accountId(), a.whatsapp(), "team-1-" + team, "Eve", null, null),
        "assigned", "team", team, Instant.now());
    long closed = thread(a, a.whatsapp(), "team-2-" + team, "Fay", "closed", Instant.now());
    long other = conversation(a.accountId(), a.whatsapp(), contact(a.accountId(), a.whatsapp(), "team-3-" + team, "Gus", null, null),
        "assigned", "agent", a.agentId(), Instant.now());

    assertThat(a.agent().delete("/api/v1/teams/" + team).status()).isEqualTo(403);
    assertThat(b.admin().delete("/api/v1/teams/" + team).status()).isEqualTo(404);
    assertThat(a.admin().delete("/api/v1/teams/" + team).status()).isEqualTo(204);
    assertThat(a.admin().delete("/api/v1/teams/" + team).status()).isEqualTo(404);
    assertThat(a.admin().get("/api/v1/teams").items()).noneSatisfy(t -> assertThat(((JsonObject) t).getString("id")).isEqualTo(id(team)));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM team_members WHERE team_id = ?", team)).isZero();

    JsonObject now = a.agent().get("/api/v1/conversations/" + assigned).json();
    assertThat(now.getString("status")).isEqualTo("open");
    assertThat(now.getValue("assignee")).isNull();
    assertThat(a.agent().get("/api/v1/conversations/" + closed).json().getString("status")).isEqualTo("closed");
    assertThat(a.agent().get("/api/v1/conversations/" + other).json().getJsonObject("assignee").getString("id")).isEqualTo(id(a.agentId()));

    JsonObject step = (JsonObject) a.agent().get("/api/v1/conversations/" + assigned + "/history").items().stream()
        .reduce((x, y) -> y).orElseThrow();
    assertThat(step.encode()).contains("\"open\"").contains("Admin Alpha");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM conversation_history WHERE conversation_id = ? AND from_assignee_type = 'team' "
        + "AND from_assignee_id = ? AND to_assignee_id IS NULL AND actor_id = ?", assigned, team, a.adminId())).isEqualTo(1);
    assertThat(events(a.accountId())).anySatisfy(e -> assertThat(e.getString("type") + e.getString("conversationId"))
        .isEqualTo("conversation.updated" + assigned));
  }

  @Test
  @DisplayName("an agent created with teamIds is a member of those teams at once; another account's team is refused and nothing is created")
  void agentIntoTeams() {
    long support = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, 'Front') RETURNING id", a.accountId());
    long foreign = Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, 'Theirs') RETURNING id", b.accountId());
    Http.Res made = a.admin().post("/api/v1/agents", new JsonObject().put("name", "Hal").put("email", "hal@alpha.test")
        .put("password", "hal-password").put("teamIds", new JsonArray().add(id(support))));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    assertThat(made.json().getJsonArray("teamIds")).containsExactly(id(support));
    JsonObject team = a.admin().get("/api/v1/teams/" + support).json();
    assertThat(team.getJsonArray("memberIds")).containsExactly(made.json().getString("id"));

    Http.Res refused = a.admin().post("/api/v1/agents", new JsonObject().put("name", "Ivy").put("email", "ivy@alpha.test")
        .put("password", "ivy-password").put("teamIds", new JsonArray().add(id(foreign))));
    assertThat(refused.status()).as(refused.text()).isEqualTo(422);
    assertThat(refused.errorCode()).isEqualTo("unknown_team");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM users WHERE email = 'ivy@alpha.test'")).isZero();
    assertThat(a.admin().post("/api/v1/agents", new JsonObject().put("name", "Ivy").put("email", "ivy@alpha.test")
        .put("password", "ivy-password").put("teamIds", new JsonArray().add("x"))).status()).isEqualTo(422);
  }

  @Test
  @DisplayName("a saved reply is previewed for a contact by the sending rule: filled in, or the fields the contact lacks; another account's contact is 404")
  void savedReplyPreview() {
    long dora = contact(a.accountId(), a.whatsapp(), "preview-" + System.nanoTime(), "Dora", null, null);
    Seed.insert(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'order', '42') RETURNING 1", dora, a.accountId());
    Http.Res ok = a.agent().post("/api/v1/saved-replies/preview", new JsonObject().put("content", "Order {{ order }} ships today").put("contactId", id(dora)));
    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    assertThat(ok.json().getString("text")).isEqualTo("Order 42 ships today");
    assertThat(ok.json().getJsonArray("missing")).isEmpty();
    Http.Res lacking = a.agent().post("/api/v1/saved-replies/preview", new JsonObject().put("content", "{{order}} to {{city}} by {{carrier}}").put("contactId", id(dora)));
    assertThat(lacking.json().getValue("text")).isNull();
    assertThat(lacking.json().getJsonArray("missing")).containsExactly("city", "carrier");
    assertThat(b.admin().post("/api/v1/saved-replies/preview", new JsonObject().put("content", "x").put("contactId", id(dora))).status()).isEqualTo(404);
    assertThat(a.agent().post("/api/v1/saved-replies/preview", new JsonObject().put("content", "x".repeat(5000)).put("contactId", id(dora))).status())
        .isIn(400, 413, 422);
  }
}
