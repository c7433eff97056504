package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** A private PostgreSQL stopped and started again under a running node (the shared one is never touched). */
@DisplayName("PostgreSQL restarted under a running node")
class PostgresRestartIT {

  @RegisterExtension
  static final Requires TOOL = PrivateServers.POSTGRES_REQUIRED;

  static PrivateServers.Postgres pg;
  static String jdbc;
  static TestNode node;
  static Vertx clients;
  static Http http;

  // the node runs on the private PostgreSQL, started here
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().build();

  @BeforeAll
  static void start() throws SQLException {
    pg = env.open(PrivateServers.Postgres.create());
    String url = pg.createDatabase("restart_test");
    jdbc = "jdbc:postgresql://127.0.0.1:" + pg.port + "/restart_test";
    // TestNode wants a TestDb for its defaults; the node uses the private server instead
    node = env.open(TestNode.start(env.db(), env.redisPrefix(), new JsonObject()
        .put("DATABASE_URL", url)
        .put("DB_POOL_SIZE", 4)
        .put("PROCESSOR_SWEEP_MS", 200)));
    clients = env.vertx();
    http = env.open(new Http(clients, node.baseUrl()));
    PrivateServers.seedAccount(jdbc, "admin@acme.test");
  }

  static long scalar(String sql, Object... args) {
    return PrivateServers.scalar(jdbc, sql, args);
  }

  @Test
  @DisplayName("ingress answers 503 with Retry-After while it is down, recovers without a node restart, and nothing acknowledged is missing")
  void postgresRestart() throws Exception {
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    List<String> retryAfter = new CopyOnWriteArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread sender = new Thread(() -> {
      int i = 0;
      while (sending.get()) {
        Webhooks.Signed w = Webhooks.whatsappText(String.valueOf(14_155_590_000L + i % 20), "wamid.pg-" + i++ + "-" + UUID.randomUUID(), "during a restart");
        try {
          Http.Res r = http.webhook("whatsapp", w.body(), w.signature());
          statuses.merge(r.status(), 1, Integer::sum);
          if (r.status() == 200) {
            acknowledged.add(w.wamid());
          } else if (r.status() == 503) {
            retryAfter.add(String.valueOf(r.header("Retry-After")));
          }
        } catch (RuntimeException e) {
          statuses.merge(-1, 1, Integer::sum);
        }
        Await.pause(10);
      }
    }, "webhook-sender");
    sender.start();
    try {
      Await.until("webhooks acknowledged before the stop", Duration.ofSeconds(20), () -> acknowledged.size() >= 10);
      pg.stop();
      int ackedWhileUp = acknowledged.size();
      Await.until("503s while PostgreSQL is down", Duration.ofSeconds(20), () -> statuses.getOrDefault(503, 0) >= 5);
      assertThat(http.get("/ready").status()).isEqualTo(503);
      int ackedAtRestart = acknowledged.size();
      pg.start();
      Await.until("webhooks acknowledged again", Duration.ofSeconds(30), () -> acknowledged.size() >= ackedAtRestart + 10);
      assertThat(ackedAtRestart - ackedWhileUp).as("acknowledged while PostgreSQL was stopped (in-flight at the stop at most)").isLessThanOrEqualTo(8);
    } finally {
      sending.set(false);
      sender.join(10_000);
    }
    assertThat(statuses.keySet()).as("every answer was 200 or 503: %s", statuses).containsOnly(200, 503);
    assertThat(retryAfter).isNotEmpty().allMatch(v -> v.matches("\\d+"));
    assertThat(http.get("/ready").status()).isEqualTo(200);

    Await.passes(Duration.ofSeconds(30), () ->
        assertThat(scalar("SELECT count(*) FROM raw_events WHERE status <> 'done'")).isZero());
    for (String wamid : acknowledged) {
      assertThat(scalar("SELECT count(*) FROM messages WHERE external_id = ?", wamid)).as(wamid).isEqualTo(1);
    }
    // a 503 whose insert committed just before the connection died may be stored too: Meta would redeliver it, harmlessly
    assertThat(scalar("SELECT count(*) FROM messages")).isGreaterThanOrEqualTo(acknowledged.size());
  }
}
