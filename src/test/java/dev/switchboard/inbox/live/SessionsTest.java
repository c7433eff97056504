package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions a team can trust, on two nodes sharing PostgreSQL and Redis: logout, refresh-token
 * rotation and reuse, role changes, deactivation and password changes end tokens and bridge
 * sockets on the other node at once.
 */
@DisplayName("Sessions: short tokens, rotating refresh, revocation effective on every node and socket")
class SessionsTest {

  static TestDb db;
  static TestNode a;
  static TestNode b;
  static Vertx clients;
  static Http httpA;
  static Http httpB;
  static Seed.Account acme;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("REFRESH_REUSE_GRACE_MS", 0).put("LOGIN_MAX_FAILURES_PER_ADDRESS", 1_000)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    a = env.node();
    b = env.anotherNode();
    clients = env.vertx();
    httpA = env.http();
    httpB = env.open(new Http(clients, b.baseUrl()));
    acme = Seed.account(db, "Acme");
  }


  static JsonObject login(Http http, String email, String password) {
    Http.Res r = http.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  static long agent(String name) {
    return Seed.user(db, acme.accountId(), name, name.toLowerCase() + "@acme.test", "agent-password", "agent");
  }

  @Test
  @DisplayName("sign-in answers a 15-minute token, a refresh token and the user, and sets the refresh cookie HttpOnly, SameSite=Strict, for /api/v1/auth only")
  void signIn() {
    Http.Res r = httpA.post("/api/v1/auth/login", new JsonObject().put("email", acme.adminEmail()).put("password", acme.password()));
    assertThat(r.status()).isEqualTo(200);
    JsonObject s = r.json();
    assertThat(s.getString("token")).isNotBlank();
    assertThat(s.getString("refreshToken")).matches("[0-9a-f-]{36}\\.[A-Za-z0-9_-]{43}");
    assertThat(s.getInteger("expiresIn")).isEqualTo(900);
    assertThat(s.getJsonObject("user").getString("role")).isEqualTo("admin");
    String cookie = r.header("Set-Cookie");
    assertThat(cookie).startsWith("sb_refresh=" + s.getString("refreshToken"))
        .containsIgnoringCase("HttpOnly").contains("SameSite=Strict", "Path=/api/v1/auth");
  }

  @Test
  @DisplayName("logout on one node ends the token on the other at once, and its refresh token")
  void logoutEverywhere() {
    JsonObject s = login(httpA, acme.adminEmail(), acme.password());
    Http asB = httpB.as(s.getString("token"));
    assertThat(asB.get("/api/v1/channels").status()).isEqualTo(200);
    assertThat(httpA.as(s.getString("token")).post("/api/v1/auth/logout", null).status()).isEqualTo(204);
    Http.Res after = asB.get("/api/v1/channels");
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.errorCode()).isEqualTo("token_revoked");
    assertThat(httpB.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", s.getString("refreshToken"))).status())
        .isEqualTo(401);
    // another session of the same user is untouched
    JsonObject other = login(httpB, acme.adminEmail(), acme.password());
    assertThat(httpA.as(other.getString("token")).get("/api/v1/channels").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("refresh rotates; the replaced refresh token used again revokes the whole session")
  void rotationAndReuse() {
    JsonObject first = login(httpA, acme.adminEmail(), acme.password());
    Http.Res r = httpB.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", first.getString("refreshToken")));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject second = r.json();
    assertThat(second.getString("refreshToken")).isNotEqualTo(first.getString("refreshToken"));
    assertThat(httpA.as(second.getString("token")).get("/api/v1/channels").status()).isEqualTo(200);

    // a thief replays the old refresh token: refused, and the legitimate holder's session ends too
    Http.Res replay = httpA.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", first.getString("refreshToken")));
    assertThat(replay.status()).isEqualTo(401);
    assertThat(httpB.as(second.getString("token")).get("/api/v1/channels").status()).isEqualTo(401);
    assertThat(httpB.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", second.getString("refreshToken"))).status())
        .isEqualTo(401);
    assertThat(httpA.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", "not-a-token")).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a demoted admin loses admin power on the next request, on every node; the last active admin cannot be demoted")
  void roleChange() {
    long boss = Seed.user(db, acme.accountId(), "Second Admin", "second@acme.test", "admin-password", "admin");
    JsonObject demoted = login(httpA, "second@acme.test", "admin-password");
    Http asDemoted = httpB.as(demoted.getString("token"));
    assertThat(asDemoted.post("/api/v1/teams", new JsonObject().put("name", "Before")).status()).isEqualTo(201);

    JsonObject owner = login(httpA, acme.adminEmail(), acme.password());
    Http.Res change = httpA.as(owner.getString("token")).patch("/api/v1/agents/" + boss, new JsonObject().put("role", "agent"));
    assertThat(change.status()).as(change.text()).isEqualTo(200);
    assertThat(change.json().getString("role")).isEqualTo("agent");
    assertThat(asDemoted.post("/api/v1/agents", new JsonObject().put("name", "Mallory").put("email", "m@acme.test")
        .put("password", "password-123").put("role", "admin")).status()).isEqualTo(401);
    // signing in again gives the new role
    JsonObject again = login(httpB, "second@acme.test", "admin-password");
    assertThat(again.getJsonObject("user").getString("role")).isEqualTo("agent");
    assertThat(httpA.as(again.getString("token")).post("/api/v1/teams", new JsonObject().put("name", "After")).status()).isEqualTo(403);

    Http.Res self = httpA.as(owner.getString("token")).patch("/api/v1/agents/" + acme.adminId(), new JsonObject().put("role", "agent"));
    assertThat(self.status()).isEqualTo(409);
    assertThat(self.errorCode()).isEqualTo("last_admin");
    assertThat(httpA.as(owner.getString("token")).delete("/api/v1/agents/" + acme.adminId()).status()).isEqualTo(409);
  }

  @Test
  @DisplayName("a deactivated agent's token and bridge socket end on every node within a second or two; they cannot sign in; their conversations stay assigned")
  void deactivation() {
    long sam = agent("Sam");
    JsonObject s = login(httpA, "sam@acme.test", "agent-password");
    String address = Bus.accountAddress(acme.accountId());
    try (BridgeClient socket = BridgeClient.connect(clients, b.port())) {
      socket.register(address, s.getString("token"));
      socket.awaitRegistered(b, address);

      JsonObject owner = login(httpB, acme.adminEmail(), acme.password());
      Http.Res off = httpA.as(owner.getString("token")).delete("/api/v1/agents/" + sam);
      assertThat(off.status()).isEqualTo(200);
      assertThat(off.json().getBoolean("active")).isFalse();

      long started = System.nanoTime();
      socket.awaitClosed(Duration.ofSeconds(5));
      assertThat(socket.closeCode).isEqualTo((short) LiveBridge.CLOSE_SESSION_ENDED);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2_500));
      assertThat(httpB.as(s.getString("token")).get("/api/v1/channels").status()).isEqualTo(401);
      assertThat(httpA.post("/api/v1/auth/login", new JsonObject().put("email", "sam@acme.test").put("password", "agent-password")).status())
          .isEqualTo(401);
      assertThat(httpA.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", s.getString("refreshToken"))).status())
          .isEqualTo(401);
      Http.Res list = httpA.as(owner.getString("token")).get("/api/v1/agents");
      assertThat(list.items().stream().map(JsonObject.class::cast).filter(o -> o.getString("id").equals(String.valueOf(sam))).findFirst()
          .orElseThrow().getBoolean("active")).isFalse();

      // reactivated, they sign in again
      assertThat(httpA.as(owner.getString("token")).patch("/api/v1/agents/" + sam, new JsonObject().put("active", true)).status())
          .isEqualTo(200);
      login(httpB, "sam@acme.test", "agent-password");
    }
  }

  @Test
  @DisplayName("a password change needs the current one, ends the other sessions, and answers a fresh session")
  void passwordChange() {
    agent("Pat");
    JsonObject laptop = login(httpA, "pat@acme.test", "agent-password");
    JsonObject phone = login(httpB, "pat@acme.test", "agent-password");
    Http.Res wrong = httpA.as(laptop.getString("token")).post("/api/v1/auth/password",
        new JsonObject().put("currentPassword", "nope-nope").put("newPassword", "new-password-1"));
    assertThat(wrong.status()).isEqualTo(422);
    assertThat(wrong.errorCode()).isEqualTo("wrong_password");
    Http.Res ok = httpA.as(laptop.getString("token")).post("/api/v1/auth/password",
        new JsonObject().put("currentPassword", "agent-password").put("newPassword", "new-password-1"));
    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    assertThat(httpB.as(ok.json().getString("token")).get("/api/v1/channels").status()).isEqualTo(200);
    assertThat(httpB.as(phone.getString("token")).get("/api/v1/channels").status()).isEqualTo(401);
    assertThat(httpA.as(laptop.getString("token")).get("/api/v1/channels").status()).isEqualTo(401);
    assertThat(httpA.post("/api/v1/auth/login", new JsonObject().put("email", "pat@acme.test").put("password", "agent-password")).status())
        .isEqualTo(401);
    login(httpA, "pat@acme.test", "new-password-1");
  }

  @Test
  @DisplayName("an admin sets a forgotten password: the old one and every session of the agent end on every node; a field the route does not change is refused, never ignored")
  void adminSetsAPassword() {
    long quinn = agent("Quinn");
    JsonObject session = login(httpA, "quinn@acme.test", "agent-password");
    JsonObject admin = login(httpA, acme.adminEmail(), acme.password());
    Http asAdmin = httpB.as(admin.getString("token"));

    Http.Res weak = asAdmin.patch("/api/v1/agents/" + quinn, new JsonObject().put("password", "short"));
    assertThat(weak.errorCode()).isEqualTo("weak_password");
    Http.Res unknown = asAdmin.patch("/api/v1/agents/" + quinn, new JsonObject().put("name", "Quinn Renamed").put("email", "other@acme.test"));
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.errorCode()).isEqualTo("unknown_field");
    assertThat(unknown.text()).contains("email");
    Http.Res own = asAdmin.patch("/api/v1/agents/" + acme.adminId(), new JsonObject().put("password", "a-new-password"));
    assertThat(own.errorCode()).as("one's own password needs the current one").isEqualTo("own_password");
    Http.Res byAgent = httpA.as(session.getString("token")).patch("/api/v1/agents/" + quinn, new JsonObject().put("password", "mine-by-myself"));
    assertThat(byAgent.status()).isEqualTo(403);
    Seed.Account other = Seed.account(db, "Other Co");
    JsonObject otherAdmin = login(httpA, other.adminEmail(), other.password());
    assertThat(httpA.as(otherAdmin.getString("token")).patch("/api/v1/agents/" + quinn, new JsonObject().put("password", "taken-over-1")).status())
        .as("another account's admin").isEqualTo(404);
    // none of the refused calls changed anything
    assertThat(httpA.as(session.getString("token")).get("/api/v1/channels").status()).isEqualTo(200);
    login(httpA, "quinn@acme.test", "agent-password");

    Http.Res set = asAdmin.patch("/api/v1/agents/" + quinn, new JsonObject().put("password", "reset-by-admin"));
    assertThat(set.status()).as(set.text()).isEqualTo(200);
    assertThat(set.json().getString("name")).isEqualTo("Quinn");
    assertThat(set.json().containsKey("password")).isFalse();
    assertThat(httpA.as(session.getString("token")).get("/api/v1/channels").status()).as("the agent's session ends").isEqualTo(401);
    // 429 once this class's earlier refused refreshes have used up the address's allowance
    assertThat(httpB.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", session.getString("refreshToken"))).status())
        .as("the refresh token").isIn(401, 429);
    assertThat(httpA.post("/api/v1/auth/login", new JsonObject().put("email", "quinn@acme.test").put("password", "agent-password")).status())
        .isEqualTo(401);
    login(httpB, "quinn@acme.test", "reset-by-admin");
    assertThat(asAdmin.get("/api/v1/channels").status()).as("the admin's own session goes on").isEqualTo(200);
  }

  @Test
  @DisplayName("a bridge socket is closed when its token expires")
  void expiredTokenEndsSocket() {
    long userId = agent("Eve");
    String shortLived = a.node.services().tokens().issue(userId, acme.accountId(), "agent", "Eve", null, 0, 2);
    String address = Bus.accountAddress(acme.accountId());
    try (BridgeClient socket = BridgeClient.connect(clients, a.port())) {
      socket.register(address, shortLived);
      socket.awaitRegistered(a, address);
      socket.awaitClosed(Duration.ofSeconds(6));
      assertThat(socket.closeCode).isEqualTo((short) LiveBridge.CLOSE_SESSION_ENDED);
    }
    Await.until("nothing left registered", Duration.ofSeconds(5), () -> BridgeStats.of(a.vertx).connections() == 0);
  }
}
