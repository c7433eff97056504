package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Admins manage channels, agents and teams; roles and tokens are enforced")
class AdminApiTest extends InboxTestBase {

  @Test
  @DisplayName("an admin connects a channel: 201 with its fields and never the access token; the list shows only the account's channels")
  void channels() {
    graph.ownsWhatsApp("EAAG-secret-token", "9100200300", "100200300400");
    Http.Res r = a.admin().post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "Support line")
        .put("externalId", "100200300400").put("accessToken", "EAAG-secret-token").put("wabaId", "9100200300").put("extra", "ignored"));
    assertThat(r.status()).isEqualTo(201);
    JsonObject ch = r.json();
    assertThat(ch.getString("id")).matches("\\d+");
    assertThat(ch.getString("platform")).isEqualTo("whatsapp");
    assertThat(ch.getString("externalId")).isEqualTo("100200300400");
    assertThat(ch.getString("wabaId")).isEqualTo("9100200300");
    assertThat(ch.containsKey("needsAttention")).isTrue();
    assertThat(r.text()).doesNotContain("EAAG-secret-token");

    Http.Res list = a.agent().get("/api/v1/channels");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.text()).doesNotContain("EAAG-secret-token").doesNotContain("token-");
    assertThat(list.items().stream().map(o -> ((JsonObject) o).getString("id"))).contains(ch.getString("id"), id(a.whatsapp()))
        .doesNotContain(id(b.whatsapp()));
    assertThat(b.admin().get("/api/v1/channels").text()).doesNotContain("100200300400");
    assertThat(b.admin().get("/api/v1/channels/" + ch.getString("id")).status()).isEqualTo(404);
    assertThat(a.agent().get("/api/v1/channels/" + ch.getString("id")).json().getString("name")).isEqualTo("Support line");

    // another account's id answers like any id its token does not own (VerifiedChannelsTest)
    Http.Res dup = b.admin().post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "x")
        .put("externalId", "100200300400").put("wabaId", "9100200300").put("accessToken", "t"));
    assertThat(dup.status()).isEqualTo(422);
    assertThat(dup.errorCode()).isEqualTo("channel_not_owned");
  }

  @Test
  @DisplayName("channel input is checked: agent 403, unknown platform 422, wrong types 400 naming the field")
  void channelInput() {
    JsonObject ok = new JsonObject().put("platform", "messenger").put("name", "Page").put("externalId", "7700770077").put("accessToken", "t");
    Http.Res agent = a.agent().post("/api/v1/channels", ok);
    assertThat(agent.status()).isEqualTo(403);
    assertThat(agent.errorCode()).isEqualTo("forbidden");
    assertThat(a.admin().post("/api/v1/channels", ok.copy().put("platform", "telegram")).errorCode()).isEqualTo("invalid_platform");
    Http.Res wrongType = a.admin().post("/api/v1/channels", ok.copy().put("name", 12));
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().getJsonObject("error").getString("message")).contains("name");
    Http.Res missing = a.admin().post("/api/v1/channels", ok.copy().putNull("accessToken"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getJsonObject("error").getString("message")).contains("accessToken");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM channels WHERE external_id = '7700770077'")).isZero();
  }

  @Test
  @DisplayName("an admin creates an agent who can then log in; the password is stored hashed; agents cannot create agents")
  void agents() {
    Http.Res r = a.admin().post("/api/v1/agents", new JsonObject().put("name", "Rosa").put("email", "rosa@alpha.test")
        .put("password", "rosa-password-1").put("role", "agent"));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getString("role")).isEqualTo("agent");
    assertThat(r.text()).doesNotContain("rosa-password-1");
    String hash = stringScalar("SELECT password_hash FROM users WHERE email = 'rosa@alpha.test'");
    assertThat(hash).startsWith("pbkdf2-sha256$").doesNotContain("rosa-password-1");

    Http.Res login = http.post("/api/v1/auth/login", new JsonObject().put("email", "rosa@alpha.test").put("password", "rosa-password-1"));
    assertThat(login.status()).isEqualTo(200);
    assertThat(login.json().getJsonObject("user").getString("accountId")).isEqualTo(id(a.accountId()));

    assertThat(a.agent().get("/api/v1/agents").items().stream().map(o -> ((JsonObject) o).getString("email"))).contains("rosa@alpha.test");
    assertThat(b.admin().get("/api/v1/agents").text()).doesNotContain("rosa@alpha.test");
    assertThat(a.agent().post("/api/v1/agents", new JsonObject().put("name", "X").put("email", "x@alpha.test").put("password", "long-enough")).status())
        .isEqualTo(403);
    assertThat(a.admin().post("/api/v1/agents", new JsonObject().put("name", "Dup").put("email", "ROSA@alpha.test").put("password", "long-enough")).status())
        .isEqualTo(409);
    assertThat(a.admin().post("/api/v1/agents", new JsonObject().put("name", "R").put("email", "r@alpha.test").put("password", "long-enough").put("role", "boss"))
        .errorCode()).isEqualTo("invalid_role");
  }

  @Test
  @DisplayName("a team takes only agents of the account (else 422 and nothing stored); the list shows its members")
  void teams() {
    Http.Res r = a.admin().post("/api/v1/teams", new JsonObject().put("name", "Billing").put("memberIds", new JsonArray().add(id(a.agentId())).add(id(a.adminId()))));
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().getJsonArray("memberIds")).containsExactlyInAnyOrder(id(a.agentId()), id(a.adminId()));
    Http.Res foreign = a.admin().post("/api/v1/teams", new JsonObject().put("name", "Spies").put("memberIds", new JsonArray().add(id(b.agentId()))));
    assertThat(foreign.status()).isEqualTo(422);
    assertThat(foreign.errorCode()).isEqualTo("unknown_member");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM teams WHERE name = 'Spies'")).isZero();
    assertThat(a.agent().post("/api/v1/teams", new JsonObject().put("name", "T")).status()).isEqualTo(403);
    assertThat(a.admin().post("/api/v1/teams", new JsonObject().put("name", "T").put("memberIds", "nope")).status()).isEqualTo(400);
    assertThat(a.agent().get("/api/v1/teams").items().stream().map(o -> ((JsonObject) o).getString("name"))).contains("Billing");
    assertThat(b.agent().get("/api/v1/teams").text()).doesNotContain("Billing");
    assertThat(b.agent().get("/api/v1/teams/" + r.json().getString("id")).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("two admins editing one team: the save made from a stale editor (If-Match) answers 412 and keeps the other's members; a new agent joining moves the version too")
  void teamEditedMeanwhile() {
    Http.Res created = a.admin().post("/api/v1/teams", new JsonObject().put("name", "Support").put("memberIds", new JsonArray().add(id(a.agentId()))));
    String teamId = created.json().getString("id");
    String opened = created.json().getString("updatedAt");
    assertThat(opened).isNotBlank();
    java.util.Map<String, String> stale = java.util.Map.of("If-Match", "\"" + opened + "\"");

    // admin A adds a member from the editor both opened
    Http.Res first = a.admin().send(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/teams/" + teamId,
        new JsonObject().put("name", "Support").put("memberIds", new JsonArray().add(id(a.agentId())).add(id(a.adminId()))), stale);
    assertThat(first.status()).as(first.text()).isEqualTo(200);
    assertThat(first.json().getString("updatedAt")).isNotEqualTo(opened);

    // admin B, whose editor still shows one member, renames: refused, A's member stays
    Http.Res second = a.admin().send(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/teams/" + teamId,
        new JsonObject().put("name", "Support EU").put("memberIds", new JsonArray().add(id(a.agentId()))), stale);
    assertThat(second.status()).isEqualTo(412);
    assertThat(second.errorCode()).isEqualTo("edited_meanwhile");
    JsonObject now = a.admin().get("/api/v1/teams/" + teamId).json();
    assertThat(now.getString("name")).isEqualTo("Support");
    assertThat(now.getJsonArray("memberIds")).containsExactlyInAnyOrder(id(a.agentId()), id(a.adminId()));

    // a new agent who joins the team at creation changes it as well
    Http.Res joined = a.admin().post("/api/v1/agents", new JsonObject().put("name", "Nia").put("email", "nia-" + teamId + "@alpha.test")
        .put("password", "nia-password-1").put("teamIds", new JsonArray().add(teamId)));
    assertThat(joined.status()).as(joined.text()).isEqualTo(201);
    Http.Res staleAgain = a.admin().send(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/teams/" + teamId,
        new JsonObject().put("name", "Support"), java.util.Map.of("If-Match", "\"" + now.getString("updatedAt") + "\""));
    assertThat(staleAgain.status()).isEqualTo(412);
    // without If-Match (an API client that does not care) the change goes through, as before
    assertThat(a.admin().patch("/api/v1/teams/" + teamId, new JsonObject().put("name", "Support EU")).status()).isEqualTo(200);
    assertThat(a.admin().get("/api/v1/teams/" + teamId).json().getJsonArray("memberIds")).hasSize(3);
  }

  @Test
  @DisplayName("every change to an agent, a team, a saved reply or a flow is one settings.changed event of its account (section, id, deleted); a refused change writes none, another account sees none")
  void settingsChanged() {
    String afterA = marker(a);
    String afterB = marker(b);
    Http.Res agent = a.admin().post("/api/v1/agents", new JsonObject().put("name", "Lena").put("email", "lena@alpha.test")
        .put("password", "lena-password-1"));
    assertThat(agent.status()).isEqualTo(201);
    String agentId = agent.json().getString("id");
    assertThat(a.admin().patch("/api/v1/agents/" + agentId, new JsonObject().put("name", "Lena K")).status()).isEqualTo(200);
    Http.Res team = a.admin().post("/api/v1/teams", new JsonObject().put("name", "Night").put("memberIds", new JsonArray().add(agentId)));
    assertThat(team.status()).isEqualTo(201);
    String teamId = team.json().getString("id");
    assertThat(a.admin().patch("/api/v1/teams/" + teamId, new JsonObject().put("name", "Night shift")).status()).isEqualTo(200);
    // refused: nothing committed, so no event either
    assertThat(a.admin().post("/api/v1/teams", new JsonObject().put("name", "Spies").put("memberIds", new JsonArray().add(id(b.agentId()))))
        .status()).isEqualTo(422);
    assertThat(a.admin().patch("/api/v1/teams/" + id(Long.MAX_VALUE / 2), new JsonObject().put("name", "Ghost")).status()).isEqualTo(404);
    assertThat(a.admin().delete("/api/v1/teams/" + teamId).status()).isEqualTo(204);
    Http.Res reply = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Hours").put("content", "9 to 5"));
    assertThat(reply.status()).isEqualTo(201);
    String replyId = reply.json().getString("id");
    assertThat(a.admin().put("/api/v1/saved-replies/" + replyId, new JsonObject().put("title", "Hours").put("content", "9 to 6")).status()).isEqualTo(200);
    assertThat(a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Bad").put("content", "{{nobody_uses_this}}")).status())
        .isEqualTo(422);
    assertThat(a.admin().delete("/api/v1/saved-replies/" + replyId).status()).isEqualTo(204);
    JsonObject flowBody = new JsonObject().put("name", "Hello").put("trigger", new JsonObject().put("type", "any"))
        .put("actions", new JsonArray().add(new JsonObject().put("type", "reply").put("text", "Hi")));
    Http.Res flow = a.admin().post("/api/v1/flows", flowBody);
    assertThat(flow.status()).isEqualTo(201);
    String flowId = flow.json().getString("id");
    assertThat(a.admin().put("/api/v1/flows/" + flowId, new JsonObject().put("enabled", false)).status()).isEqualTo(200);
    assertThat(a.admin().post("/api/v1/flows", flowBody.copy().put("trigger", new JsonObject().put("type", "nonsense"))).status())
        .isEqualTo(422);
    assertThat(a.admin().delete("/api/v1/flows/" + flowId).status()).isEqualTo(204);

    assertThat(people(a, afterA)).extracting(e -> e.getString("section"), e -> e.getString("id"), e -> e.getBoolean("deleted"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("agents", agentId, false),
            org.assertj.core.groups.Tuple.tuple("agents", agentId, false),
            org.assertj.core.groups.Tuple.tuple("teams", teamId, false),
            org.assertj.core.groups.Tuple.tuple("teams", teamId, false),
            org.assertj.core.groups.Tuple.tuple("teams", teamId, true),
            org.assertj.core.groups.Tuple.tuple("saved-replies", replyId, false),
            org.assertj.core.groups.Tuple.tuple("saved-replies", replyId, false),
            org.assertj.core.groups.Tuple.tuple("saved-replies", replyId, true),
            org.assertj.core.groups.Tuple.tuple("flows", flowId, false),
            org.assertj.core.groups.Tuple.tuple("flows", flowId, false),
            org.assertj.core.groups.Tuple.tuple("flows", flowId, true));
    assertThat(people(b, afterB)).isEmpty();
  }

  /** A marker in the account's log: the events after it are this test's. */
  static String marker(Party p) {
    // the newest id the relay wrote: an event appended around it would not move the partition's
    // restart mark, and a cursor past that mark reads as gone
    return node.node.services().events().newestId(p.accountId()).await();
  }

  /** The data of the account's settings.changed events after {@code after}, as its admin reads them. */
  static java.util.List<JsonObject> people(Party p, String after) {
    return p.admin().get("/api/v1/events?after=" + after).items().stream().map(o -> (JsonObject) o)
        .filter(e -> "settings.changed".equals(e.getString("type"))).map(e -> e.getJsonObject("data")).toList();
  }

  @Test
  @DisplayName("no token, a tampered token and an expired token answer 401 on every inbox endpoint")
  void tokens() {
    long past = System.currentTimeMillis() / 1000 - 3600;
    String expired = tokens.provider().generateToken(new JsonObject().put("sub", id(a.adminId())).put("acc", id(a.accountId()))
        .put("role", "admin").put("name", "Admin").put("iat", past - 60).put("exp", past), new io.vertx.ext.auth.JWTOptions().setAlgorithm("HS256"));
    String valid = tokens.issue(a.adminId(), a.accountId(), "admin", "Admin");
    String tampered = valid.substring(0, valid.length() - 3) + (valid.endsWith("AAA") ? "BBB" : "AAA");
    for (String path : new String[] {"/api/v1/channels", "/api/v1/agents", "/api/v1/teams", "/api/v1/conversations",
        "/api/v1/conversations/counts", "/api/v1/contacts/1", "/api/v1/fields", "/api/v1/labels", "/api/v1/saved-replies", "/api/v1/search?q=x"}) {
      assertThat(http.get(path).status()).as(path).isEqualTo(401);
      assertThat(http.as(expired).get(path).status()).as(path).isEqualTo(401);
      assertThat(http.as(tampered).get(path).status()).as(path).isEqualTo(401);
    }
    assertThat(http.post("/api/v1/conversations/bulk", new JsonObject()).status()).isEqualTo(401);
    assertThat(http.post("/api/v1/conversations/export", new JsonObject()).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a body over the size limit answers 413; a body that is not JSON 400")
  void oversized() {
    String big = "x".repeat(1024 * 1024 + 10);
    Http.Res r = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "t").put("content", big));
    assertThat(r.status()).isEqualTo(413);
    assertThat(a.admin().post("/api/v1/saved-replies", "{oops").status()).isEqualTo(400);
  }

  static String stringScalar(String sql) {
    try (var c = db.connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
