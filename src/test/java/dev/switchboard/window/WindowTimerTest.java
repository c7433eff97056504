package dev.switchboard.window;

import dev.switchboard.common.Inbound;
import dev.switchboard.support.Await;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The Redis window timer fires each expiry once across nodes and is rebuilt from PostgreSQL")
class WindowTimerTest {

  static TestDb db;
  static String prefix;
  static MutableClock clock = new MutableClock(Instant.now());
  static TestNode a;
  static TestNode b;
  static Seed.Account account;
  static long messenger;
  static long whatsapp;
  static long seededConversation;

  static JsonObject settings() {
    return new JsonObject().put("WINDOW_STANDARD", "PT1H").put("WINDOW_HUMAN_AGENT", "PT3H").put("WINDOW_TIMER_POLL_MS", 50);
  }

  // two nodes on one clock, started here
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Timer Co").build();

  @BeforeAll
  static void start() {
    db = env.db();
    prefix = env.redisPrefix();
    account = env.account();
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", "118812345678901");
    // written before the nodes start: only the start-up rebuild can schedule it
    seededConversation = conversation(messenger, clock.instant().minus(Duration.ofMinutes(30)));
    a = env.open(TestNode.start(db, prefix, settings(), clock));
    b = env.open(TestNode.start(db, prefix, settings(), clock));
  }

  static long conversation(long channelId, Instant lastInbound) {
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, ?) RETURNING id",
        account.accountId(), channelId, "u" + System.nanoTime());
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, last_inbound_at) VALUES (?, ?, ?, ?) RETURNING id",
        account.accountId(), channelId, contact, OffsetDateTime.ofInstant(lastInbound, ZoneOffset.UTC));
  }

  static List<JsonObject> fired(long conversationId) {
    return a.node.services().events().read(account.accountId(), null, 10_000).await().stream()
        .filter(e -> "conversation.window_changed".equals(e.getString("type"))
            && String.valueOf(conversationId).equals(e.getString("conversationId")))
        .toList();
  }

  static void eventually(Supplier<Boolean> condition, String what) {
    Await.until(what, Duration.ofSeconds(10), () -> condition.get());
  }

  // one read: the timer may claim the member between two
  static boolean scoreIs(String member, long expected) {
    Double score = score(member);
    return score != null && score.longValue() == expected;
  }

  static String timerKey(long conv) {
    return new WindowTimer(a.node.services().redis(), null, a.node.services().events().partitions()).key(conv);
  }

  static Double score(String member) {
    long conv = Long.parseLong(member.substring(0, member.indexOf(':')));
    var r = a.node.services().redis().api().zscore(timerKey(conv), member).await();
    return r == null ? null : r.toDouble();
  }

  /** Waits a few poll intervals of both nodes: a second firing would have happened by then. */
  static void settle() throws InterruptedException {
    Thread.sleep(400);
  }

  @Test
  @DisplayName("a conversation stored before start-up is scheduled by the rebuild; each of its windows fires once with two nodes")
  void rebuildAndFireOnce() throws InterruptedException {
    Instant last = clock.instant().minus(Duration.ofMinutes(30));
    assertThat(score(seededConversation + ":standard")).isNotNull();
    assertThat(score(seededConversation + ":human")).isNotNull();
    long before = fired(seededConversation).size();
    clock.advance(Duration.ofMinutes(31));
    eventually(() -> fired(seededConversation).size() > before, "the standard window to fire");
    settle();
    List<JsonObject> events = fired(seededConversation);
    assertThat(events).hasSize((int) before + 1);
    JsonObject view = events.get(events.size() - 1).getJsonObject("data");
    assertThat(view.getString("id")).isEqualTo(String.valueOf(seededConversation));
    assertThat(view.getString("windowExpired")).isEqualTo("standard");
    assertThat(view.getJsonObject("window").getString("humanExpiresAt")).isNotNull();
    assertThat(score(seededConversation + ":standard")).isNull();

    clock.advance(Duration.ofHours(2));
    eventually(() -> fired(seededConversation).size() > before + 1, "the human-agent window to fire");
    settle();
    assertThat(fired(seededConversation)).hasSize((int) before + 2);
    assertThat(fired(seededConversation).get((int) before + 1).getJsonObject("data").getString("windowExpired")).isEqualTo("human");
    assertThat(last).isNotNull();
  }

  @Test
  @DisplayName("a new inbound message (the hook after commit) schedules, and a later one moves, the expiry; WhatsApp then needs a template")
  void hookSchedulesAndMoves() throws InterruptedException {
    Instant first = clock.instant();
    long conv = conversation(whatsapp, first);
    a.node.services().inboundHooks().afterCommit(List.of(inbound(conv, first)));
    eventually(() -> score(conv + ":standard") != null, "the hook to schedule");
    assertThat(score(conv + ":standard").longValue()).isEqualTo(first.plus(Duration.ofHours(1)).toEpochMilli());
    assertThat(score(conv + ":human")).as("WhatsApp has no human-agent window").isNull();

    // the customer writes again 40 minutes later: the expiry moves
    clock.advance(Duration.ofMinutes(40));
    Instant second = clock.instant();
    Seed.insert(db, "UPDATE conversations SET last_inbound_at = ? WHERE id = ? RETURNING id", OffsetDateTime.ofInstant(second, ZoneOffset.UTC), conv);
    b.node.services().inboundHooks().afterCommit(List.of(inbound(conv, second)));
    eventually(() -> scoreIs(conv + ":standard", second.plus(Duration.ofHours(1)).toEpochMilli()),
        "the expiry to move");
    clock.advance(Duration.ofMinutes(30));
    settle();
    assertThat(fired(conv)).as("the first expiry was moved, nothing fires at it").isEmpty();
    clock.advance(Duration.ofMinutes(31));
    eventually(() -> fired(conv).size() == 1, "the moved expiry to fire");
    settle();
    assertThat(fired(conv)).hasSize(1);
    assertThat(fired(conv).get(0).getJsonObject("data").getJsonObject("window").getBoolean("templateRequired")).isTrue();
  }

  @Test
  @DisplayName("a stale member (the customer wrote again but Redis kept the old score) is rescheduled from PostgreSQL, not fired")
  void staleMemberIsRescheduled() throws InterruptedException {
    Instant now = clock.instant();
    long conv = conversation(messenger, now);
    String key = timerKey(conv);
    a.node.services().redis().api().zadd(List.of(key, String.valueOf(now.minusSeconds(1).toEpochMilli()), conv + ":standard")).await();
    eventually(() -> scoreIs(conv + ":standard", now.plus(Duration.ofHours(1)).toEpochMilli()),
        "the stale member to be rescheduled");
    settle();
    assertThat(fired(conv)).isEmpty();
  }

  @Test
  @DisplayName("losing Redis loses nothing: a node starting on an empty set rebuilds it from PostgreSQL")
  void rebuildAfterRedisLoss() {
    long conv = conversation(messenger, clock.instant().minus(Duration.ofMinutes(10)));
    a.node.services().redis().api().del(List.of(timerKey(conv))).await();
    assertThat(score(conv + ":standard")).isNull();
    try (TestNode c = TestNode.start(db, prefix, settings(), clock)) {
      assertThat(score(conv + ":standard")).isNotNull();
      assertThat(score(conv + ":human")).isNotNull();
    }
  }

  static Inbound inbound(long conversationId, Instant at) {
    return new Inbound(account.accountId(), whatsapp, "whatsapp", conversationId, 0, 0, "closed", "text", "hi", null, at, at, false);
  }
}
