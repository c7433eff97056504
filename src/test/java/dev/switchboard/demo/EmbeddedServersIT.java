package dev.switchboard.demo;

import dev.switchboard.embedded.EmbeddedServers;
import dev.switchboard.config.Config;
import dev.switchboard.app.Main;
import dev.switchboard.app.Node;
import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import dev.switchboard.support.Http;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded path, run explicitly (CI here has real services, so the tests' fallback never
 * starts there): one start of both servers, a real node against them, and a clean stop.
 */
@DisplayName("Embedded PostgreSQL and Redis run a real node")
class EmbeddedServersIT {

  @TempDir
  static Path dir;
  static EmbeddedServers servers;
  static Vertx vertx;
  static Node node;
  static Http http;

  @BeforeAll
  static void start() {
    servers = EmbeddedServers.start(EmbeddedServers.Options.scratch(dir));
    JsonObject settings = new JsonObject()
        .put("HTTP_PORT", 0)
        .put("DATABASE_URL", servers.databaseUrl("switchboard"))
        .put("REDIS_URL", servers.redisUrl())
        .put("JWT_SECRET", "embedded-test-secret-0123456789-0123456789")
        .put("META_APP_SECRET", "x")
        .put("HTTP_INSTANCES", 1);
    Config config = Config.load(null, Map.of(), settings);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx = Main.newVertx(registry);
    node = Node.start(vertx, config, registry, Clock.systemUTC()).await();
    http = new Http(vertx, "http://127.0.0.1:" + node.port());
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (node != null) {
      node.stop().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  @DisplayName("a node started against them migrates the schema and answers /ready with both up")
  void nodeIsReady() {
    Http.Res ready = http.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("postgres")).isEqualTo("up");
    assertThat(ready.json().getString("redis")).isEqualTo("up");
  }

  @Test
  @DisplayName("PostgreSQL is UTF-8 and has the extensions the schema needs (pg_trgm, unaccent)")
  void postgresHasWhatTheSchemaNeeds() throws Exception {
    String jdbc = "jdbc:postgresql://127.0.0.1:" + servers.postgresPort() + "/switchboard";
    try (Connection c = DriverManager.getConnection(jdbc, "postgres", null); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT extname FROM pg_extension ORDER BY extname")) {
        List<String> names = new ArrayList<>();
        while (rs.next()) {
          names.add(rs.getString(1));
        }
        assertThat(names).contains("pg_trgm", "unaccent");
      }
      try (ResultSet rs = st.executeQuery("SHOW server_encoding")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("UTF8");
      }
      try (ResultSet rs = st.executeQuery("SELECT sb_fold('Crème Brûlée')")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("creme brulee");
      }
    }
  }

  @Test
  @DisplayName("Redis runs the event log's Lua script and streams, and sorted sets (the window timers)")
  void redisHasStreamsLuaAndSortedSets() {
    RedisStore redis = node.services().redis();
    EventLog log = node.services().events();
    JsonObject first = log.append(7, "message.created", 1L, new JsonObject().put("n", 1)).await();
    JsonObject second = log.append(7, "message.created", 1L, new JsonObject().put("n", 2)).await();
    List<JsonObject> after = log.read(7, first.getString("id"), 10).await();
    assertThat(after).extracting(e -> e.getString("id")).containsExactly(second.getString("id"));

    String key = redis.key("embedded-test:timers");
    redis.api().zadd(List.of(key, "20", "b", "10", "a")).await();
    assertThat(redis.api().zrangebyscore(List.of(key, "0", "15")).await().toString()).contains("a").doesNotContain("b");
    assertThat(redis.api().info(List.of("server")).await().toString()).containsPattern("redis_version:(6\\.[2-9]|[7-9]\\.)");
  }

  @Test
  @DisplayName("a node that is not the demo has no /simulator")
  void noSimulatorOutsideTheDemo() {
    assertThat(http.get("/simulator/api/customers").status()).isEqualTo(404);
    assertThat(http.post("/simulator/graph/v21.0/me/messages", new JsonObject()).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a data folder that cannot be created fails in one line that says how to use existing servers")
  void failureSaysWhatToDoInstead() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
    assertThatThrownBy(() -> EmbeddedServers.start(EmbeddedServers.Options.scratch(file)))
        .isInstanceOf(EmbeddedServers.EmbeddedException.class)
        .hasMessageContaining("not-a-folder")
        .hasMessageContaining("DATABASE_URL=")
        .hasMessageContaining("REDIS_URL=")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

}
