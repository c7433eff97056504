package dev.switchboard.app;

import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Every response carries the security headers; the SockJS fallback loads no CDN script")
class SecurityHeadersTest {

  static TestDb db;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("PUBLIC_URL", "https://inbox.example.test")).build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
  }

  @Test
  @DisplayName("the page, its modules, the API and errors: a strict CSP, no framing, nosniff, no referrer, HSTS under an https PUBLIC_URL")
  void headers() {
    for (String path : new String[] {"/", "/js/app.js", "/app.css", "/api/v1/conversations", "/no/such/page", "/health"}) {
      Http.Res r = http.get(path);
      assertThat(r.header("Content-Security-Policy")).as(path)
          .contains("default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'")
          .doesNotContain("unsafe-inline", "unsafe-eval");
      assertThat(r.header("X-Frame-Options")).as(path).isEqualTo("DENY");
      assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
      assertThat(r.header("Strict-Transport-Security")).as(path).startsWith("max-age=");
    }
  }

  @Test
  @DisplayName("the page has no inline script or style for the policy to block")
  void noInlineScript() {
    String page = http.get("/").text();
    assertThat(page).doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>").doesNotContain("<style", " style=", "onclick=", "onload=");
  }

  @Test
  @DisplayName("the SockJS iframe page loads the vendored client from this origin, not a CDN")
  void sockJsIframe() {
    Http.Res iframe = http.get("/eventbus/iframe.html");
    assertThat(iframe.status()).isEqualTo(200);
    assertThat(iframe.text()).contains("/vendor/sockjs.min.js").doesNotContain("cdn.", "//cdn");
    assertThat(iframe.header("X-Content-Type-Options")).isEqualTo("nosniff");
  }
}
