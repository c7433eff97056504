package dev.switchboard.auth;

import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox asks for a refresh on a visit only when the hint cookie says a refresh cookie was
 * set: the hint must come and go with the refresh cookie, or a page would ask for nothing with a
 * session, or ask (and log a 401) on every visit without one.
 */
@DisplayName("The page's hint cookie comes and goes with the refresh cookie")
class RefreshHintTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("REFRESH_REUSE_GRACE_MS", 0)).build();

  static Http http;
  static Seed.Account acme;

  @BeforeAll
  static void start() {
    http = env.http();
    acme = Seed.account(env.db(), "Hinted");
  }

  /** The Set-Cookie line for {@code name} in an answer, or null. */
  static String setCookie(Http.Res r, String name) {
    return r.raw().cookies().stream().filter(c -> c.startsWith(name + "=")).findFirst().orElse(null);
  }

  static long maxAge(String setCookie) {
    assertThat(setCookie).isNotNull();
    Matcher m = Pattern.compile("Max-Age=(\\d+)").matcher(setCookie);
    assertThat(m.find()).as(setCookie).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  @DisplayName("sign-in and refresh set sb_signed_in=1 (readable, on /, no secret, the refresh cookie's lifetime); logout and a refused refresh clear it")
  void hintFollowsTheRefreshCookie() {
    Http.Res in = http.post("/api/v1/auth/login", new JsonObject().put("email", acme.adminEmail()).put("password", acme.password()));
    assertThat(in.status()).isEqualTo(200);
    assertThat(in.header("Set-Cookie")).as("the refresh cookie comes first, as before").startsWith("sb_refresh=");
    String hint = setCookie(in, "sb_signed_in");
    assertThat(hint).as("sign-in sets the hint").startsWith("sb_signed_in=1;").containsPattern("Path=/(;|$)").contains("SameSite=Strict")
        .doesNotContainIgnoringCase("HttpOnly").doesNotContain(in.json().getString("refreshToken"));
    assertThat(maxAge(hint)).as("as long as the refresh cookie").isEqualTo(maxAge(setCookie(in, "sb_refresh"))).isPositive();

    Http.Res renewed = http.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", in.json().getString("refreshToken")));
    assertThat(renewed.status()).isEqualTo(200);
    assertThat(setCookie(renewed, "sb_signed_in")).as("a refresh sets it again").startsWith("sb_signed_in=1;");

    Http.Res out = http.as(renewed.json().getString("token")).post("/api/v1/auth/logout", null);
    assertThat(out.status()).isEqualTo(204);
    assertThat(maxAge(setCookie(out, "sb_refresh"))).as("logout clears the refresh cookie").isZero();
    assertThat(setCookie(out, "sb_signed_in")).as("and the hint with it").startsWith("sb_signed_in=;").containsPattern("Path=/(;|$)");
    assertThat(maxAge(setCookie(out, "sb_signed_in"))).isZero();

    // a session ended elsewhere: the page's refresh is refused, and the hint goes with the cookie
    Http.Res refused = http.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", renewed.json().getString("refreshToken")));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(maxAge(setCookie(refused, "sb_signed_in"))).isZero();
    Http.Res none = http.post("/api/v1/auth/refresh", new JsonObject());
    assertThat(none.status()).isEqualTo(401);
    assertThat(maxAge(setCookie(none, "sb_signed_in"))).as("no refresh token at all: the hint is cleared too").isZero();
  }
}
