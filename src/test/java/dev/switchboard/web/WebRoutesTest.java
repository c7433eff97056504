package dev.switchboard.web;

import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The web inbox's files are served from WEB_ROOT at /")
class WebRoutesTest {

  static TestDb db;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
  }

  @Test
  @DisplayName("/ answers the page, without caching headers, so a reload always gets the deployed version")
  void index() {
    Http.Res r = http.get("/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/html");
    assertThat(r.text()).contains("<title>Switchboard</title>").contains("js/app.js");
    assertThat(r.header("Cache-Control")).isNull();
  }

  @Test
  @DisplayName("the modules and the vendored bridge client are served with JavaScript types")
  void scripts() {
    Http.Res app = http.get("/js/app.js");
    assertThat(app.status()).isEqualTo(200);
    assertThat(app.header("Content-Type")).contains("javascript");
    assertThat(http.get("/vendor/vertx-eventbus.js").text()).contains("EventBus");
    assertThat(http.get("/vendor/sockjs.min.js").status()).isEqualTo(200);
    assertThat(http.get("/app.css").header("Content-Type")).startsWith("text/css");
    // browsers ask for /favicon.ico whether or not a page names it
    Http.Res icon = http.get("/favicon.ico");
    assertThat(icon.status()).isEqualTo(200);
    assertThat(icon.header("Content-Type")).contains("icon");
  }

  @Test
  @DisplayName("nothing outside WEB_ROOT is reachable, and an unknown file is 404")
  void confined() {
    assertThat(http.get("/../pom.xml").status()).isEqualTo(404);
    assertThat(http.get("/%2e%2e/pom.xml").status()).isEqualTo(404);
    assertThat(http.get("/nope.js").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("the API keeps its JSON 404 under /api/v1; the page does not swallow it")
  void apiUntouched() {
    Http.Res r = http.get("/api/v1/no-such-thing");
    assertThat(r.status()).isIn(401, 404);
    assertThat(r.header("Content-Type")).contains("json");
  }
}
