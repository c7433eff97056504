package dev.switchboard.auth;

import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A page that reloads while its refresh is under way never receives the rotated cookie and
 * presents the replaced refresh token again: within the grace (10 s by default) it must get that
 * rotation's answer again, on any node, and never a signed-out agent or a revoked session.
 */
@DisplayName("Refresh racing a reload: the replaced token, presented again at once, gets the same rotation")
class RefreshReloadTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("LOGIN_MAX_FAILURES_PER_ADDRESS", 1_000)).build();

  static Http httpA;
  static Http httpB;
  static Seed.Account acme;

  @BeforeAll
  static void start() {
    httpA = env.http();
    httpB = env.open(new Http(env.vertx(), env.anotherNode().baseUrl()));
    acme = Seed.account(env.db(), "Reloaders");
  }

  private static Http.Res refresh(Http http, String token) {
    return http.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", token));
  }

  @Test
  @DisplayName("a lost answer: the replaced token presented again on another node gets the same next token and a working access token; the session goes on")
  void lostAnswerIsAnsweredAgain() {
    Http.Res login = httpA.post("/api/v1/auth/login", new JsonObject().put("email", acme.adminEmail()).put("password", acme.password()));
    assertThat(login.status()).isEqualTo(200);
    String first = login.json().getString("refreshToken");

    // the page's refresh rotates the session, and the page reloads before the answer arrives
    Http.Res lost = refresh(httpA, first);
    assertThat(lost.status()).as(lost.text()).isEqualTo(200);
    String next = lost.json().getString("refreshToken");
    assertThat(next).isNotEqualTo(first);

    // the reloaded page still holds the first token, and asks another node
    for (int i = 0; i < 2; i++) {
      Http.Res again = refresh(httpB, first);
      assertThat(again.status()).as(again.text()).isEqualTo(200);
      assertThat(again.json().getString("refreshToken")).as("the rotation's own next token").isEqualTo(next);
      assertThat(again.header("Set-Cookie")).startsWith("sb_refresh=" + next);
      assertThat(httpB.as(again.json().getString("token")).get("/api/v1/channels").status()).isEqualTo(200);
    }

    // the session goes on from the next token, and the first one now rotated past is refused
    Http.Res onward = refresh(httpA, next);
    assertThat(onward.status()).as(onward.text()).isEqualTo(200);
    String third = onward.json().getString("refreshToken");
    assertThat(third).isNotEqualTo(next).isNotEqualTo(first);
    assertThat(refresh(httpB, first).status()).isEqualTo(401);
    assertThat(httpA.as(onward.json().getString("token")).get("/api/v1/channels").status())
        .as("a token two rotations back ends nothing").isEqualTo(200);
  }

  @Test
  @DisplayName("two sessions of one agent rotate apart: one session's token never yields the other's")
  void sessionsStayApart() {
    JsonObject one = httpA.post("/api/v1/auth/login", new JsonObject().put("email", acme.adminEmail()).put("password", acme.password())).json();
    JsonObject two = httpA.post("/api/v1/auth/login", new JsonObject().put("email", acme.adminEmail()).put("password", acme.password())).json();
    String nextOne = refresh(httpA, one.getString("refreshToken")).json().getString("refreshToken");
    String nextTwo = refresh(httpA, two.getString("refreshToken")).json().getString("refreshToken");
    assertThat(nextOne).isNotEqualTo(nextTwo);
    assertThat(nextOne.substring(0, 36)).isEqualTo(one.getString("refreshToken").substring(0, 36));
    assertThat(nextTwo.substring(0, 36)).isEqualTo(two.getString("refreshToken").substring(0, 36));
  }
}
