package dev.switchboard.scale;

import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import dev.switchboard.support.Await;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Node processes killed with SIGKILL at the two points where a change is durable but its events
 * are not yet in the Redis log: right after the processor's commit, and right after a relay
 * committed positions but before it appended them. A node started afterwards brings the log to
 * where PostgreSQL is: every stored message has its message.created in /events exactly once.
 */
@DisplayName("Crash between commit and append: SIGKILL at both fault points, the next node relays every event once")
class EventOutboxCrashIT {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  static TestDb db;
  static Seed.Account acme;
  static RedisStore redis;
  static EventLog log;

  @BeforeAll
  static void start() {
    db = env.db();
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
    redis = new RedisStore(env.vertx(), TestNode.REDIS_URL, env.redisPrefix());
    log = new EventLog(redis, 1_000_000, 100_000, 16);
  }

  @AfterAll
  static void close() {
    if (redis != null) {
      redis.close();
    }
  }

  static NodeProcess node(String name, String faultPoint) {
    Map<String, String> settings = new HashMap<>(Map.of("PROCESSOR_SWEEP_MS", "200", "RELAY_POLL_MS", "200"));
    if (faultPoint != null) {
      settings.put("FAULT_POINT", faultPoint);
    }
    NodeProcess p = env.open(NodeProcess.start(name, db, TestNode.REDIS_URL, env.redisPrefix(), settings));
    p.awaitReady(Duration.ofSeconds(90));
    return p;
  }

  static void send(NodeProcess to, int n, String tag) {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < n; i++) {
      Webhooks.Signed w = Webhooks.whatsappText(String.valueOf(14_155_580_000L + i % 7), "wamid." + tag + "-" + i + "-" + UUID.randomUUID(),
          tag + " " + i);
      assertThat(NodeProcessesIT.deliver(client, to.baseUrl(), w)).as("webhook %s %d acknowledged", tag, i).isTrue();
    }
  }

  static long stored(String tag) {
    return Seed.scalar(db, "SELECT count(*) FROM messages WHERE text LIKE ?", tag + " %");
  }

  static Map<String, Integer> createdPerMessage() {
    Map<String, Integer> seen = new HashMap<>();
    for (JsonObject e : log.read(acme.accountId(), null, 100_000).await()) {
      if ("message.created".equals(e.getString("type"))) {
        seen.merge(e.getJsonObject("data").getString("id"), 1, Integer::sum);
      }
    }
    return seen;
  }

  @Test
  @DisplayName("killed after the processor's commit, then after a relay's claim: the next node appends every message.created once")
  void crashBetweenCommitAndAppend() {
    // 1. the processor commits, the node dies before anything is relayed
    NodeProcess a = node("crash-commit", "processor-after-commit");
    send(a, 30, "first");
    a.awaitOutput("FAULT POINT processor-after-commit reached", Duration.ofSeconds(30));
    Await.until("30 messages stored", Duration.ofSeconds(30), () -> stored("first") == 30);
    assertThat(createdPerMessage()).as("events in the log before the crash; node output:\n%s", a.output()).isEmpty();
    a.kill();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE pos IS NULL")).as("events waiting in the outbox").isPositive();

    // 2. a relay commits positions for them, the node dies before appending
    NodeProcess b = node("crash-claim", "relay-after-claim");
    b.awaitOutput("FAULT POINT relay-after-claim reached", Duration.ofSeconds(30));
    send(b, 20, "second");
    Await.until("20 more messages stored", Duration.ofSeconds(30), () -> stored("second") == 20);
    assertThat(createdPerMessage()).as("events in the log before the second crash").isEmpty();
    b.kill();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE pos IS NOT NULL")).as("positions handed out, not appended").isPositive();

    // 3. a healthy node: the log catches up with PostgreSQL, each event once
    NodeProcess c = node("recover", null);
    List<String> messages = Seed.strings(db, "SELECT id::text FROM messages WHERE account_id = ?", acme.accountId());
    assertThat(messages).hasSize(50);
    Await.passes(Duration.ofSeconds(30), () -> {
      Map<String, Integer> seen = createdPerMessage();
      assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(messages);
      assertThat(seen.values()).allMatch(n -> n == 1);
    });
    // nothing is left waiting, and the log holds every position handed out (the recovered node
    // goes on writing events of its own, so this is awaited rather than read once)
    Await.passes(Duration.ofSeconds(30), () -> {
      assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE pos IS NULL")).isZero();
      assertThat(log.position().await()).isEqualTo(Seed.scalar(db, "SELECT last_pos FROM event_relay"));
    });
    // conversations come before their messages: a client never sees a message of a conversation it does not know
    List<JsonObject> events = log.read(acme.accountId(), null, 100_000).await();
    java.util.Set<String> known = new java.util.HashSet<>();
    for (JsonObject e : events) {
      if ("conversation.created".equals(e.getString("type"))) {
        known.add(e.getString("conversationId"));
      }
      if ("message.created".equals(e.getString("type"))) {
        assertThat(known).as("conversation of message " + e.getJsonObject("data").getString("id")).contains(e.getString("conversationId"));
      }
    }
    // the graceful stop's exit code is NodeProcessesIT's to check; here the node only has to go
    c.terminate();
    int exit = c.waitExit(Duration.ofSeconds(30));
    if (exit != 0) {
      System.out.printf("recovered node exited %d after SIGTERM; its log:%n%s%n", exit, c.tail());
    }
  }
}
