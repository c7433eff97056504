package dev.switchboard.app;

import dev.switchboard.config.Config;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a node exposes where: /metrics behind a token or on its own loopback port, BIND_ADDRESS, and who the client is behind a proxy. */
@DisplayName("Network exposure: /metrics, BIND_ADDRESS and TRUSTED_PROXIES")
class NetworkExposureTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().build();

  /** A node of its own (its own Redis prefix, so throttles never carry over), closed after the class. */
  static TestNode node(JsonObject settings) {
    return env.open(TestNode.start(env.db(), TestNode.newRedisPrefix(), settings));
  }

  static Http http(String baseUrl) {
    return env.open(new Http(env.vertx(), baseUrl));
  }

  static Http.Res get(Http http, String path, String authorization) {
    return http.send(HttpMethod.GET, path, null, authorization == null ? null : Map.of("Authorization", authorization));
  }

  static boolean accepts(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  @DisplayName("METRICS_TOKEN: /metrics on the main port answers only the right bearer token; anything else is 401 JSON")
  void metricsToken() {
    Http http = http(node(new JsonObject()).baseUrl());
    Http.Res none = get(http, "/metrics", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.errorCode()).isEqualTo("unauthorized");
    assertThat(none.text()).doesNotContain("jvm_");
    assertThat(get(http, "/metrics", "Bearer " + TestNode.METRICS_TOKEN + "x").status()).isEqualTo(401);
    assertThat(get(http, "/metrics", "Bearer " + TestNode.METRICS_TOKEN.substring(1)).status()).isEqualTo(401);
    assertThat(get(http, "/metrics", TestNode.METRICS_TOKEN).status()).as("without the Bearer scheme").isEqualTo(401);
    Http.Res ok = get(http, "/metrics", "Bearer " + TestNode.METRICS_TOKEN);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("Content-Type")).startsWith("text/plain; version=0.0.4");
    assertThat(ok.text()).contains("switchboard_login_failures_total")
        // the relay's lag as buckets, so a window's quantiles follow from two scrapes
        .contains("switchboard_event_relay_lag_seconds_bucket{le=\"+Inf\"}");
    Http.Res open = http.send(HttpMethod.GET, "/metrics", null,
        Map.of("Authorization", "Bearer " + TestNode.METRICS_TOKEN, "Accept", "application/openmetrics-text; version=1.0.0"));
    assertThat(open.header("Content-Type")).startsWith("application/openmetrics-text");
    assertThat(open.text().strip()).endsWith("# EOF");
  }

  @Test
  @DisplayName("no METRICS_TOKEN and no METRICS_PORT: /metrics is not served at all (404 JSON saying how to enable it)")
  void metricsOffByDefault() {
    Http http = http(node(new JsonObject().putNull("METRICS_TOKEN")).baseUrl());
    for (String auth : new String[] {null, "Bearer " + TestNode.METRICS_TOKEN}) {
      Http.Res r = get(http, "/metrics", auth);
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.errorCode()).isEqualTo("not_found");
      assertThat(r.json().getJsonObject("error").getString("message")).contains("METRICS_TOKEN").contains("METRICS_PORT");
    }
    assertThat(http.get("/health").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("METRICS_PORT: metrics on a loopback-only port of their own, which serves nothing else; the main port still refuses them")
  void metricsPort() {
    int metricsPort = TestNode.freePort();
    TestNode node = node(new JsonObject().putNull("METRICS_TOKEN").put("METRICS_PORT", metricsPort));
    assertThat(node.node.metricsPort()).isEqualTo(metricsPort);
    Http metrics = http("http://127.0.0.1:" + metricsPort);
    Http.Res ok = metrics.get("/metrics");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.text()).contains("switchboard_login_failures_total");
    Http.Res other = metrics.get("/api/v1/channels");
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.errorCode()).isEqualTo("not_found");
    assertThat(metrics.get("/health").status()).isEqualTo(404);
    // bound to 127.0.0.1 only: another loopback address of the same host is another interface
    assertThat(accepts("127.0.0.2", metricsPort)).isFalse();
    assertThat(get(http(node.baseUrl()), "/metrics", null).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("METRICS_PORT with METRICS_TOKEN: the metrics port wants the token too")
  void metricsPortWithToken() {
    int metricsPort = TestNode.freePort();
    node(new JsonObject().put("METRICS_PORT", metricsPort));
    Http metrics = http("http://127.0.0.1:" + metricsPort);
    assertThat(metrics.get("/metrics").status()).isEqualTo(401);
    assertThat(metrics.metrics().status()).isEqualTo(200);
  }

  @Test
  @DisplayName("BIND_ADDRESS: the node listens on that address only")
  void bindAddress() {
    TestNode node = node(new JsonObject().put("BIND_ADDRESS", "127.0.0.2"));
    assertThat(http("http://127.0.0.2:" + node.port()).get("/health").status()).isEqualTo(200);
    assertThat(accepts("127.0.0.1", node.port())).isFalse();
  }

  @Test
  @DisplayName("bad BIND_ADDRESS, METRICS_BIND_ADDRESS, TRUSTED_PROXIES or a short METRICS_TOKEN refuse to start, naming the key")
  void badSettings() {
    for (Map.Entry<String, String> bad : Map.of("BIND_ADDRESS", "localhost", "METRICS_BIND_ADDRESS", "example.com",
        "TRUSTED_PROXIES", "10.0.0.0/33", "METRICS_TOKEN", "short", "METRICS_PORT", "70000").entrySet()) {
      assertThatThrownBy(() -> Config.load(null, Map.of(), new JsonObject().put(bad.getKey(), bad.getValue())))
          .isInstanceOf(Config.ConfigException.class).hasMessageContaining(bad.getKey());
    }
  }

  @Test
  @DisplayName("behind a trusted proxy the sign-in throttle counts the rightmost untrusted X-Forwarded-For hop; a client cannot pick it")
  void trustedProxy() {
    TestNode node = node(new JsonObject().put("TRUSTED_PROXIES", "127.0.0.1/32, ::1")
        .put("LOGIN_MAX_FAILURES_PER_ADDRESS", 3).put("LOGIN_MAX_FAILURES", 1_000));
    Http http = http(node.baseUrl());
    Seed.Account acme = Seed.account(env.db(), "Proxied");
    for (int i = 0; i < 3; i++) {
      // whatever the client put left of the proxy's own hop changes nothing
      Http.Res r = login(http, "nobody" + i + "@proxied.test", "198.51.100." + i + ", 203.0.113.7");
      assertThat(r.status()).isEqualTo(401);
    }
    Http.Res locked = login(http, acme.adminEmail(), acme.password(), "203.0.113.7");
    assertThat(locked.status()).isEqualTo(429);
    assertThat(locked.header("Retry-After")).isNotNull();
    // a chain of trusted proxies is skipped to the client
    assertThat(login(http, acme.adminEmail(), acme.password(), "203.0.113.7, 127.0.0.1").status()).isEqualTo(429);
    // another client behind the same proxy is not locked out with it
    assertThat(login(http, acme.adminEmail(), acme.password(), "203.0.113.8").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("without TRUSTED_PROXIES, X-Forwarded-For is ignored: a client rotating it is still one address")
  void untrustedForwardedFor() {
    TestNode node = node(new JsonObject().put("LOGIN_MAX_FAILURES_PER_ADDRESS", 3).put("LOGIN_MAX_FAILURES", 1_000));
    Http http = http(node.baseUrl());
    Seed.Account acme = Seed.account(env.db(), "Direct");
    for (int i = 0; i < 3; i++) {
      assertThat(login(http, "nobody" + i + "@direct.test", "x", "198.51.100." + i).status()).isEqualTo(401);
    }
    assertThat(login(http, acme.adminEmail(), acme.password(), "198.51.100.99").status()).isEqualTo(429);
  }

  static Http.Res login(Http http, String email, String password, String forwardedFor) {
    return http.send(HttpMethod.POST, "/api/v1/auth/login", new JsonObject().put("email", email).put("password", password),
        Map.of("X-Forwarded-For", forwardedFor));
  }

  static Http.Res login(Http http, String email, String forwardedFor) {
    return login(http, email, "wrong-password", forwardedFor);
  }
}
