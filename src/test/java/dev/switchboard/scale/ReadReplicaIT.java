package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes with DATABASE_READ_URL on a hot standby of their primary (both URLs in the multi-host
 * form naming both servers, so each pool must pick by role). The standby's replay is
 * paused, so it lags for certain: what a read shows says which server answered it. A fresh
 * caller's lists, counts, search and export miss what only the primary holds (they come from the
 * standby); an agent who has just changed a conversation sees the change at once, on either node,
 * and reads from the standby again once READ_YOUR_WRITES_MS has passed.
 */
@DisplayName("Reads from a hot standby, the caller's own changes from the primary")
class ReadReplicaIT {

  @RegisterExtension
  static final Requires TOOL = PrivateServers.POSTGRES_REQUIRED;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().build();

  static final int WINDOW_MS = 1_500;

  static PrivateServers.Postgres primary;
  static PrivateServers.Postgres standby;
  static String jdbc;
  static Http one;
  static Http two;

  @BeforeAll
  static void start() {
    primary = env.open(PrivateServers.Postgres.create());
    primary.createDatabase("replica_test");
    jdbc = "jdbc:postgresql://127.0.0.1:" + primary.port + "/replica_test";
    standby = env.open(PrivateServers.Postgres.standbyOf(primary));
    // both URLs name both servers, each with the wrong one first: the primary pool must pass over
    // the standby (in recovery), the read pool over the writable primary (prefer-standby)
    String both = "127.0.0.1:" + primary.port + ",127.0.0.1:" + standby.port;
    String bothReversed = "127.0.0.1:" + standby.port + ",127.0.0.1:" + primary.port;
    JsonObject settings = new JsonObject()
        .put("DATABASE_URL", "postgresql://postgres@" + bothReversed + "/replica_test?target_session_attrs=read-write")
        .put("DATABASE_READ_URL", "postgresql://postgres@" + both + "/replica_test")
        .put("READ_YOUR_WRITES_MS", WINDOW_MS)
        .put("DB_POOL_SIZE", 4)
        .put("PROCESSOR_SWEEP_MS", 200);
    TestNode first = env.open(TestNode.start(env.db(), env.redisPrefix(), settings));
    TestNode second = env.open(TestNode.start(env.db(), env.redisPrefix(), settings.copy()));
    PrivateServers.seedAccount(jdbc, "agent@acme.test");
    Http anon = env.open(new Http(env.vertx(), first.baseUrl()));
    String token = anon.login("agent@acme.test", "secret");
    one = anon.as(token);
    two = env.open(new Http(env.vertx(), second.baseUrl())).as(token);
  }

  static long scalar(String url, String sql, Object... args) {
    return PrivateServers.scalar(url, sql, args);
  }

  static String standbyJdbc() {
    return "jdbc:postgresql://127.0.0.1:" + standby.port + "/replica_test";
  }

  @Test
  @DisplayName("lists, counts, search and export come from the standby; an agent's own change shows at once on both nodes")
  void readsFromTheStandby() {
    // one conversation everywhere, then the standby stops replaying and a second one reaches only the primary
    Webhooks.whatsappText(one.as(null), "14155550101", "Ada", "first");
    Await.until("the first conversation on the standby", Duration.ofSeconds(20),
        () -> scalar(standbyJdbc(), "SELECT count(*) FROM messages") == 1);
    assertThat(scalar(standbyJdbc(), "SELECT pg_is_in_recovery()::int")).isEqualTo(1);
    scalar(standbyJdbc(), "SELECT 1 FROM (SELECT pg_wal_replay_pause()) x");
    Webhooks.whatsappText(one.as(null), "14155550202", "Grace", "second");
    Await.until("the second conversation stored on the primary", Duration.ofSeconds(20),
        () -> scalar(jdbc, "SELECT count(*) FROM conversations") == 2);
    long first = scalar(jdbc, "SELECT cv.id FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE c.phone LIKE '%0101'");

    // a caller who changed nothing reads the standby, on either node
    for (Http node : new Http[] {one, two}) {
      assertThat(node.get("/api/v1/conversations").items()).as("list from the standby").hasSize(1);
      assertThat(node.get("/api/v1/conversations/counts").json().getLong("all")).as("counts from the standby").isEqualTo(1);
      assertThat(node.get("/api/v1/search?q=Grace").items()).as("search from the standby").isEmpty();
    }
    String csv = one.post("/api/v1/conversations/export", new JsonObject()).text();
    assertThat(csv).as("export from the standby").contains("first").doesNotContain("second");
    Await.passes(Duration.ofSeconds(10), () -> assertThat(lag(one)).as("switchboard_db_replica_lag_seconds").isGreaterThan(0));

    // the agent moves the first conversation to another tab: their next reads, on this node and the other, show it
    String target = scalar(jdbc, "SELECT (status = 'closed')::int FROM conversations WHERE id = ?", first) == 1 ? "open" : "closed";
    String tab = "/api/v1/conversations?status=" + target;
    assertThat(one.get(tab).items()).isEmpty();
    assertThat(one.patch("/api/v1/conversations/" + first, new JsonObject().put("status", target)).status()).isEqualTo(200);
    for (Http node : new Http[] {one, two}) {
      assertThat(node.get(tab).items()).as("own change, read from the primary").hasSize(1);
      assertThat(node.get("/api/v1/conversations/counts").json().getLong(target)).isEqualTo(1);
    }
    // past READ_YOUR_WRITES_MS the standby answers again (it still has not replayed the change)
    Await.until("reads back on the standby", Duration.ofSeconds(10), () -> two.get(tab).items().isEmpty());

    scalar(standbyJdbc(), "SELECT 1 FROM (SELECT pg_wal_replay_resume()) x");
    Await.until("the standby caught up", Duration.ofSeconds(20),
        () -> one.get("/api/v1/conversations").items().size() == 2 && one.get(tab).items().size() == 1);
    Await.passes(Duration.ofSeconds(10), () -> assertThat(lag(one)).isZero());
  }

  private static final Pattern LAG = Pattern.compile("(?m)^switchboard_db_replica_lag_seconds(?:\\{[^}]*})? (\\S+)$");

  static double lag(Http node) {
    Matcher m = LAG.matcher(node.metrics().text());
    assertThat(m.find()).as("switchboard_db_replica_lag_seconds in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }
}
