package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

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
}
