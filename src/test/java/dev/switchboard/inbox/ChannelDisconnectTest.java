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

@DisplayName("Disconnecting a channel keeps its history, stops sending, holds its webhooks; connecting it again processes them")
class ChannelDisconnectTest extends InboxTestBase {

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
}
