package dev.switchboard.app;

import dev.switchboard.launch.StartupException;
import dev.switchboard.config.Config;
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

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A node starts against real PostgreSQL and Redis")
class StartupTest {

  static TestDb db;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("ADMIN_EMAIL", "boss@example.test").put("ADMIN_PASSWORD", "correct horse")).build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
  }

  @Test
  @DisplayName("/health answers 200 and /ready says both dependencies are up")
  void healthAndReady() {
    assertThat(http.get("/health").status()).isEqualTo(200);
    Http.Res ready = http.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("postgres")).isEqualTo("up");
    assertThat(ready.json().getString("redis")).isEqualTo("up");
  }

  @Test
  @DisplayName("/metrics serves Prometheus text with Vert.x HTTP server metrics")
  void metrics() {
    http.get("/health");
    Http.Res m = http.metrics();
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.text()).contains("vertx_http_server_requests_total");
  }

  @Test
  @DisplayName("ADMIN_EMAIL/ADMIN_PASSWORD create the first admin, who can log in; a wrong password is 401")
  void seededAdminLogsIn() {
    Http.Res ok = http.post("/api/v1/auth/login", new JsonObject().put("email", "Boss@example.test").put("password", "correct horse"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().getString("token")).isNotBlank();
    JsonObject user = ok.json().getJsonObject("user");
    assertThat(user.getString("role")).isEqualTo("admin");
    assertThat(user.getString("email")).isEqualTo("boss@example.test");
    assertThat(user.getString("accountId")).matches("\\d+");

    Http.Res bad = http.post("/api/v1/auth/login", new JsonObject().put("email", "boss@example.test").put("password", "nope"));
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.errorCode()).isEqualTo("unauthorized");
    Http.Res unknown = http.post("/api/v1/auth/login", new JsonObject().put("email", "who@example.test").put("password", "x"));
    assertThat(unknown.status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a second start on a seeded database creates no second admin")
  void seedIsIdempotent() {
    try (TestNode again = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject()
        .put("ADMIN_EMAIL", "other@example.test").put("ADMIN_PASSWORD", "pw"))) {
      assertThat(Seed.scalar(db, "SELECT count(*) FROM users")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("API calls without a token, or with a tampered one, answer 401 in the error shape")
  void apiNeedsToken() {
    Http.Res none = http.get("/api/v1/conversations");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.errorCode()).isEqualTo("unauthorized");
    Http.Res tampered = http.as("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad").get("/api/v1/conversations");
    assertThat(tampered.status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a login body that is not JSON answers 400 invalid_json")
  void loginRejectsNonJson() {
    Http.Res r = http.post("/api/v1/auth/login", "{not json");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_json");
  }

  @Test
  @DisplayName("an unreachable PostgreSQL stops start-up with one line naming it and where")
  void unreachablePostgres() {
    Vertx vertx = Vertx.vertx();
    try {
      Config config = Config.load(null, Map.of(), TestNode.settings(db, "x:", new JsonObject()
          .put("DATABASE_URL", "postgresql://switchboard:switchboard@127.0.0.1:1/nowhere")));
      assertThatThrownBy(() -> Node.start(vertx, config, null, Clock.systemUTC()).await())
          .isInstanceOf(StartupException.class)
          .hasMessageStartingWith("PostgreSQL is unreachable at 127.0.0.1:1/nowhere");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("an unreachable Redis stops start-up with one line naming it and where")
  void unreachableRedis() {
    Vertx vertx = Vertx.vertx();
    try {
      Config config = Config.load(null, Map.of(), TestNode.settings(db, "x:", new JsonObject()
          .put("REDIS_URL", "redis://127.0.0.1:1")));
      assertThatThrownBy(() -> Node.start(vertx, config, null, Clock.systemUTC()).await())
          .isInstanceOf(StartupException.class)
          .hasMessageStartingWith("Redis is unreachable at redis://127.0.0.1:1");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("bad configuration is refused naming the variable")
  void badConfig() {
    assertThatThrownBy(() -> Config.load(null, Map.of("WINDOW_STANDARD", "tomorrow"), new JsonObject()))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("WINDOW_STANDARD");
    assertThatThrownBy(() -> Config.load(null, Map.of("HTTP_PORT", "eighty"), new JsonObject()))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("HTTP_PORT");
    assertThatThrownBy(() -> Config.load(null, Map.of("DATABASE_URL", "mysql://x"), new JsonObject()))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("DATABASE_URL");
  }

  @Test
  @DisplayName("environment variables override conf/config.json")
  void envOverridesFile() {
    Config c = Config.load(java.nio.file.Path.of("conf", "config.json"), Map.of("HTTP_PORT", "9123", "WINDOW_STANDARD", "PT5S"), new JsonObject());
    assertThat(c.httpPort()).isEqualTo(9123);
    assertThat(c.windowStandard()).hasSeconds(5);
    assertThat(c.windowHumanAgent()).hasDays(7);
  }
}
