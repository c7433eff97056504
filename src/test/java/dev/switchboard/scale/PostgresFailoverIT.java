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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on a pg_auto_failover formation (primary + synchronous standby, docs/scaling.md):
 * the primary is killed mid-burst of 5,000 webhooks that are retried until answered 200, as Meta
 * does. Every webhook that got a 200 is stored exactly once, and the same nodes write to the
 * promoted standby without a restart.
 */
@DisplayName("PostgreSQL primary killed under two nodes (pg_auto_failover, synchronous standby)")
class PostgresFailoverIT {

  @RegisterExtension
  static final Requires TOOL = PgAutoFailover.REQUIRED;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().build();

  static final int WEBHOOKS = 5_000;
  static final int SENDERS = 16;

  static PgAutoFailover pg;
  static List<Http> nodes = new ArrayList<>();
  static List<TestNode> running = new ArrayList<>();

  @BeforeAll
  static void start() {
    long began = System.currentTimeMillis();
    pg = env.open(PgAutoFailover.start());
    System.out.printf("PostgresFailoverIT: formation up in %d ms%n", System.currentTimeMillis() - began);
    for (int i = 0; i < 2; i++) {
      TestNode node = env.open(TestNode.start(env.db(), env.redisPrefix(), new JsonObject()
          .put("DATABASE_URL", pg.url())
          .put("DB_POOL_SIZE", 8)
          .put("PROCESSOR_SWEEP_MS", 200)));
      running.add(node);
      nodes.add(env.open(new Http(env.vertx(), node.baseUrl())));
    }
    PrivateServers.seedAccount(pg.jdbc(), "admin@acme.test");
  }

  static long scalar(String sql) {
    return PrivateServers.scalar(pg.jdbc(), sql);
  }

  @Test
  @DisplayName("every webhook answered 200 is stored exactly once, and both nodes write to the promoted standby")
  void primaryKilledMidBurst() throws Exception {
    Map<String, Boolean> acknowledged = new ConcurrentHashMap<>();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    Set<String> retryAfter = ConcurrentHashMap.newKeySet();
    AtomicLong killedAt = new AtomicLong();
    AtomicLong firstAfterKill = new AtomicLong();
    AtomicInteger sent = new AtomicInteger();
    long burstBegan = System.currentTimeMillis();
    ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
    for (int i = 0; i < WEBHOOKS; i++) {
      int n = i;
      senders.submit(() -> {
        Webhooks.Signed w = Webhooks.whatsappText(String.valueOf(14_155_580_000L + n % 50), "wamid.failover-" + n, "burst " + n);
        Http http = nodes.get(n % nodes.size());
        // Meta's redelivery: the same body again after a pause, until it is answered 200
        for (int attempt = 0; ; attempt++) {
          long began = System.currentTimeMillis();
          int status;
          try {
            Http.Res r = http.webhook("whatsapp", w.body(), w.signature());
            status = r.status();
            if (status == 503) {
              retryAfter.add(String.valueOf(r.header("Retry-After")));
            }
          } catch (RuntimeException e) {
            status = -1;
          }
          statuses.merge(status, 1, Integer::sum);
          if (status == 200) {
            acknowledged.put(w.wamid(), true);
            if (killedAt.get() > 0 && began > killedAt.get()) {
              firstAfterKill.compareAndSet(0, System.currentTimeMillis());
            }
            sent.incrementAndGet();
            return;
          }
          Await.pause(Math.min(50L << Math.min(attempt, 4), 500));
        }
      });
    }
    Await.until("a third of the burst acknowledged", Duration.ofSeconds(120), () -> sent.get() >= WEBHOOKS / 3);
    pg.kill(0);
    killedAt.set(System.currentTimeMillis());
    senders.shutdown();
    assertThat(senders.awaitTermination(240, TimeUnit.SECONDS)).as("every webhook answered 200 in the end").isTrue();
    long writesBack = firstAfterKill.get() - killedAt.get();
    System.out.printf("PostgresFailoverIT: primary killed after %d of %d acknowledged; first webhook stored on the new primary %d ms after the kill; "
            + "burst done %d ms after the kill (%d ms in all); answers %s%n", WEBHOOKS / 3, WEBHOOKS, writesBack,
        System.currentTimeMillis() - killedAt.get(), System.currentTimeMillis() - burstBegan, statuses);

    assertThat(acknowledged).hasSize(WEBHOOKS);
    assertThat(statuses.keySet()).as("answers while the primary was away: 200, 503 or a cut connection; %s", statuses)
        .isSubsetOf(200, 503, -1);
    assertThat(statuses.getOrDefault(503, 0) + statuses.getOrDefault(-1, 0)).as("the kill was felt").isPositive();
    assertThat(retryAfter).allMatch(v -> v.matches("\\d+"));
    assertThat(pg.states().get(pg.ports[1])).as("the standby was promoted").isIn("wait_primary", "primary");

    // the nodes, never restarted, stored and processed everything on the new primary
    Await.passes(Duration.ofSeconds(60), () ->
        assertThat(scalar("SELECT count(*) FROM raw_events WHERE status <> 'done'")).isZero());
    assertThat(scalar("SELECT count(*) FROM messages WHERE external_id LIKE 'wamid.failover-%'")).isEqualTo(WEBHOOKS);
    assertThat(scalar("SELECT count(DISTINCT external_id) FROM messages WHERE external_id LIKE 'wamid.failover-%'")).isEqualTo(WEBHOOKS);
    for (TestNode node : running) {
      assertThat(node.node.services().pool().query("SELECT inet_server_port()").execute().await().iterator().next().getInteger(0))
          .as("the node's pool is on the promoted standby").isEqualTo(pg.ports[1]);
    }
  }
}
