package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Two accounts: every endpoint answers 404 for the other account's ids; agents get 403 on admin endpoints")
class CrossAccountTest extends InboxTestBase {

  record Call(HttpMethod method, String path, Object body) {
  }

  @Test
  @DisplayName("account B reaches none of account A's conversations, contacts, channels, teams or saved replies, and changes nothing")
  void everyEndpoint() {
    long conv = thread(a, a.messenger(), "psid-cross", "Cross", "closed", Instant.parse("2026-03-04T10:00:00Z"));
    long contact = contactOf(conv);
    message(a.accountId(), conv, a.messenger(), "in", "incoming", "private", Instant.parse("2026-03-04T10:00:00Z"));
    long team = Long.parseLong(a.admin().post("/api/v1/teams", new JsonObject().put("name", "A team")).json().getString("id"));
    String reply = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "t").put("content", "c")).json().getString("id");
    a.agent().put("/api/v1/contacts/" + contact + "/fields/tier", new JsonObject().put("value", "gold"));
    a.agent().post("/api/v1/contacts/" + contact + "/labels", new JsonObject().put("name", "vip"));
    String before = a.agent().get("/api/v1/conversations/" + conv).text();

    List<Call> calls = List.of(
        new Call(HttpMethod.GET, "/api/v1/conversations/" + conv, null),
        new Call(HttpMethod.PATCH, "/api/v1/conversations/" + conv, new JsonObject().put("status", "open")),
        new Call(HttpMethod.GET, "/api/v1/conversations/" + conv + "/history", null),
        new Call(HttpMethod.GET, "/api/v1/conversations/" + conv + "/messages", null),
        new Call(HttpMethod.POST, "/api/v1/conversations/" + conv + "/read", null),
        new Call(HttpMethod.POST, "/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray().add(id(conv))).put("status", "open")),
        new Call(HttpMethod.GET, "/api/v1/contacts/" + contact, null),
        new Call(HttpMethod.PATCH, "/api/v1/contacts/" + contact, new JsonObject().put("displayName", "x")),
        new Call(HttpMethod.POST, "/api/v1/contacts/" + contact + "/refresh-name", null),
        new Call(HttpMethod.PUT, "/api/v1/contacts/" + contact + "/fields/tier", new JsonObject().put("value", "none")),
        new Call(HttpMethod.DELETE, "/api/v1/contacts/" + contact + "/fields/tier", null),
        new Call(HttpMethod.POST, "/api/v1/contacts/" + contact + "/labels", new JsonObject().put("name", "x")),
        new Call(HttpMethod.DELETE, "/api/v1/contacts/" + contact + "/labels/vip", null),
        new Call(HttpMethod.POST, "/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp())).put("phone", "+14155550100")),
        new Call(HttpMethod.GET, "/api/v1/channels/" + a.messenger(), null),
        new Call(HttpMethod.GET, "/api/v1/teams/" + team, null),
        new Call(HttpMethod.GET, "/api/v1/saved-replies/" + reply, null),
        new Call(HttpMethod.PUT, "/api/v1/saved-replies/" + reply, new JsonObject().put("title", "x").put("content", "y")),
        new Call(HttpMethod.DELETE, "/api/v1/saved-replies/" + reply, null));
    for (Http who : List.of(b.admin(), b.agent())) {
      for (Call c : calls) {
        Http.Res r = who.send(c.method(), c.path(), c.body(), null);
        assertThat(r.status()).as(c.method() + " " + c.path()).isEqualTo(404);
        assertThat(r.errorCode()).as(c.method() + " " + c.path()).isEqualTo("not_found");
      }
    }
    assertThat(b.admin().get("/api/v1/conversations").text()).doesNotContain("Cross");
    assertThat(b.admin().get("/api/v1/search?q=cross").items()).isEmpty();
    assertThat(b.admin().get("/api/v1/fields").items()).doesNotContain("tier");
    assertThat(b.admin().get("/api/v1/labels").items()).doesNotContain("vip");
    assertThat(b.admin().get("/api/v1/saved-replies").items()).isEmpty();
    assertThat(b.admin().get("/api/v1/teams").text()).doesNotContain("A team");
    Http.Res export = b.admin().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add(id(conv))));
    assertThat(export.status()).isEqualTo(404);
    assertThat(export.text()).doesNotContain("private");

    String after = a.agent().get("/api/v1/conversations/" + conv).text();
    assertThat(after).isEqualTo(before);
    assertThat(a.agent().get("/api/v1/saved-replies/" + reply).json().getString("title")).isEqualTo("t");
  }

  @Test
  @DisplayName("an agent gets 403 on every admin endpoint and the agent's own work endpoints answer")
  void roles() {
    assertThat(a.agent().post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "n").put("externalId", "e").put("accessToken", "t")).status())
        .isEqualTo(403);
    assertThat(a.agent().post("/api/v1/agents", new JsonObject().put("name", "n").put("email", "n@x.test").put("password", "long-enough")).status()).isEqualTo(403);
    assertThat(a.agent().post("/api/v1/teams", new JsonObject().put("name", "n")).status()).isEqualTo(403);
    for (String path : List.of("/api/v1/channels", "/api/v1/agents", "/api/v1/teams", "/api/v1/conversations", "/api/v1/conversations/counts",
        "/api/v1/fields", "/api/v1/labels", "/api/v1/saved-replies", "/api/v1/search?q=abc")) {
      assertThat(a.agent().get(path).status()).as(path).isEqualTo(200);
    }
  }
}
