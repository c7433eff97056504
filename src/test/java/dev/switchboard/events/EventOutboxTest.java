package dev.switchboard.events;

import dev.switchboard.common.Services;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.store.EventLog;
import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The transactional event outbox against real PostgreSQL and Redis: events exist exactly when
 * their change committed, reach the log once and in order from two relays, and a log that fell
 * behind (positions handed out but never appended, or a Redis that lost the log) is refilled.
 */
@DisplayName("Event outbox: events commit with their change and reach the log exactly once, in order")
class EventOutboxTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder()
      .settings(new JsonObject().put("RELAY_POLL_MS", 200).put("OUTBOX_PRUNE_MS", 300).put("OUTBOX_RETENTION_MS", 60_000))
      .account("Acme")
      .build();

  static TestDb db;
  static TestNode node;
  static Http http;
  static Seed.Account acme;
  /** Every node of this class's deployment, each with its own relay. */
  static final List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    nodes.add(node);
    http = env.http();
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  /** Another node of the deployment, counted among {@link #nodes}. */
  static TestNode relay(TestNode opened) {
    nodes.add(opened);
    return opened;
  }

  /** How often the nodes of the deployment decided on a restart of the log: set it back, or found it set back already. */
  static double restarts(String outcome) {
    return nodes.stream().mapToDouble(n -> restarts(n, outcome)).sum();
  }

  static double restarts(TestNode n, String outcome) {
    return n.registry.find("switchboard_event_log_restarts_total").tag("outcome", outcome).counter().count();
  }

  static EventLog log() {
    return node.node.services().events();
  }

  static List<JsonObject> events() {
    return log().read(acme.accountId(), null, 100_000).await();
  }

  static List<String> markers() {
    return events().stream().filter(e -> "channel.updated".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data").getString("marker")).filter(m -> m != null).toList();
  }

  static Event marker(String marker) {
    return Event.channelUpdated(acme.accountId(), new JsonObject().put("marker", marker));
  }

  /** Every stored message whose text starts so has exactly one message.created in the log. */
  static void everyMessageOnce(String textPrefix) {
    List<String> stored = Seed.strings(db, "SELECT id::text FROM messages WHERE account_id = ? AND text LIKE ? ORDER BY id",
        acme.accountId(), textPrefix + "%");
    Map<String, Integer> seen = new HashMap<>();
    for (JsonObject e : events()) {
      if ("message.created".equals(e.getString("type")) && String.valueOf(e.getJsonObject("data").getString("text")).startsWith(textPrefix)) {
        seen.merge(e.getJsonObject("data").getString("id"), 1, Integer::sum);
      }
    }
    assertThat(stored).isNotEmpty();
    for (String id : stored) {
      assertThat(seen.get(id)).as("message.created events for message " + id).isEqualTo(1);
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(stored);
  }

  static String text(String waId, String text) {
    return Webhooks.whatsappText(http, waId, "Customer " + waId, text);
  }

  /** Waits until {@code messages} messages whose text is LIKE {@code pattern} are stored. */
  static void awaitStoredLike(String pattern, int messages) {
    Await.until(messages + " messages like '" + pattern + "' stored", Duration.ofSeconds(20),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE account_id = ? AND text LIKE ?", acme.accountId(), pattern) >= messages);
  }

  static void awaitStored(int messages) {
    Await.until(messages + " messages stored", Duration.ofSeconds(20),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE account_id = ?", acme.accountId()) >= messages);
  }

  @Test
  @DisplayName("a transaction that rolls back publishes nothing; one that commits is in the log, once, when it answers")
  void commitsWithTheChange() {
    var s = node.node.transactions();
    String lost = "rolled-back-" + UUID.randomUUID();
    assertThatThrownBy(() -> s.run(tx -> {
      tx.add(marker(lost));
      return Future.failedFuture(new IllegalStateException("the change failed"));
    }).await()).hasMessageContaining("the change failed");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE body LIKE ?", "%" + lost + "%")).isZero();

    String kept = "committed-" + UUID.randomUUID();
    s.run(tx -> {
      tx.add(marker(kept));
      return Future.succeededFuture();
    }).await();
    // no waiting: the answer comes after the relay appended it
    assertThat(markers()).containsOnlyOnce(kept).doesNotContain(lost);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE body LIKE ? AND pos IS NOT NULL", "%" + kept + "%")).isEqualTo(1);
  }

  @Test
  @DisplayName("two nodes' relays: every event once, each node's events in the order it committed them")
  void twoRelaysExactlyOnceInOrder() {
    TestNode other = relay(env.anotherNode());
    String run = UUID.randomUUID().toString().substring(0, 8);
    int perNode = 150;
    Future<Void> a = sequence(node.node.transactions(), run + "-a-", perNode);
    Future<Void> b = sequence(other.node.transactions(), run + "-b-", perNode);
    Future.all(a, b).await();
    List<String> seen = markers().stream().filter(m -> m.startsWith(run)).toList();
    assertThat(seen).hasSize(2 * perNode).doesNotHaveDuplicates();
    for (String side : List.of("-a-", "-b-")) {
      List<Integer> order = seen.stream().filter(m -> m.contains(side)).map(m -> Integer.parseInt(m.substring(m.lastIndexOf('-') + 1))).toList();
      assertThat(order).as("the events of node " + side + " in the log").isSorted().hasSize(perNode);
    }
  }

  @Test
  @DisplayName("overlapping rounds (3 rows a claim, 300 transactions at once): each answers once its event is in the log; every event once, in position order")
  void overlappingRounds() {
    TestNode small = relay(env.open(TestNode.start(db, env.redisPrefix(),
        new JsonObject().put("RELAY_BATCH", 3).put("RELAY_POLL_MS", 200).put("OUTBOX_PRUNE_MS", 300).put("OUTBOX_RETENTION_MS", 60_000))));
    var s = small.node.transactions();
    String run = "overlap-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    String before = log().newestId(acme.accountId()).await();
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String m = run + i;
      // at its answer, the transaction's event must already be in the log
      answers.add(s.run(tx -> {
        tx.add(marker(m));
        return Future.succeededFuture();
      }).compose(v -> log().read(acme.accountId(), before, 1_000)).map(found -> found.stream()
          .anyMatch(e -> m.equals(e.getJsonObject("data").getString("marker"))) ? null : m));
    }
    Future.all(answers).await();
    assertThat(answers.stream().map(Future::result).filter(m -> m != null).toList())
        .as("transactions that answered before their event was in the log").isEmpty();
    List<String> logged = markers().stream().filter(m -> m.startsWith(run)).toList();
    assertThat(logged).hasSize(300).doesNotHaveDuplicates();
    List<String> byPosition = Seed.strings(db, "SELECT body::json->'data'->>'marker' FROM event_outbox WHERE body LIKE ? ORDER BY pos",
        "%" + run + "%");
    assertThat(logged).as("the log's order against the outbox's positions").containsExactlyElementsOf(byPosition);
  }

  // one transaction after the other on one node, each publishing one numbered event
  private static Future<Void> sequence(dev.switchboard.conversation.Transactions s, String prefix, int n) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      String m = prefix + i;
      chain = chain.compose(v -> s.run(tx -> {
        tx.add(marker(m));
        return Future.succeededFuture();
      }));
    }
    return chain;
  }

  @Test
  @DisplayName("positions committed but never appended (a relay that died in between): the next poll appends them, once, in order")
  void gapAfterAClaimIsFilled() throws Exception {
    String run = "gap-" + UUID.randomUUID().toString().substring(0, 8);
    // what a relay's claim commits, done here so that no relay appends it
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      long last;
      try (ResultSet r = c.createStatement().executeQuery("SELECT last_pos FROM event_relay WHERE id = 1 FOR UPDATE")) {
        r.next();
        last = r.getLong(1);
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO event_outbox (pos, account_id, body) VALUES (?, ?, ?)")) {
        for (int i = 0; i < 3; i++) {
          p.setLong(1, last + 1 + i);
          p.setLong(2, acme.accountId());
          p.setString(3, marker(run + "-" + i).encode());
          p.addBatch();
        }
        p.executeBatch();
      }
      c.createStatement().executeUpdate("UPDATE event_relay SET last_pos = " + (last + 3) + " WHERE id = 1");
      c.commit();
    }
    Await.until("the missing positions appended", Duration.ofSeconds(10), () -> markers().stream().filter(m -> m.startsWith(run)).count() == 3);
    // and what comes after them follows them
    text("14155550101", "after the gap");
    Await.until("the message after the gap", Duration.ofSeconds(10),
        () -> events().stream().anyMatch(e -> "message.created".equals(e.getString("type"))
            && "after the gap".equals(e.getJsonObject("data").getString("text"))));
    List<JsonObject> all = events();
    List<String> ours = markers().stream().filter(m -> m.startsWith(run)).toList();
    assertThat(ours).containsExactly(run + "-0", run + "-1", run + "-2");
    int lastMarker = -1;
    int message = -1;
    for (int i = 0; i < all.size(); i++) {
      JsonObject d = all.get(i).getJsonObject("data");
      if ((run + "-2").equals(d.getString("marker"))) {
        lastMarker = i;
      }
      if ("after the gap".equals(d.getString("text"))) {
        message = i;
      }
    }
    assertThat(message).isGreaterThan(lastMarker);
    assertThat(log().position().await()).isEqualTo(Seed.scalar(db, "SELECT last_pos FROM event_relay"));
  }

  @Test
  @DisplayName("Redis loses the log mid-run: the relay refills it from the outbox, every message once; old cursors answer 410")
  void redisLosesTheLog() {
    for (int i = 0; i < 5; i++) {
      text("1415555020" + i, "loss test: before " + i);
    }
    // the webhooks are answered before the processor stores them: count once all five are in
    awaitStoredLike("loss test: before %", 5);
    int before = (int) Seed.scalar(db, "SELECT count(*) FROM messages WHERE account_id = ?", acme.accountId());
    Await.until("the messages' events in the log", Duration.ofSeconds(20), () -> events().stream()
        .filter(e -> "message.created".equals(e.getString("type"))).count() >= before);
    List<JsonObject> old = events();
    String cursor = old.get(old.size() - 1).getString("id");

    // what a Redis restart without persistence, or a FLUSHALL, does to this deployment's log
    var redis = node.node.services().redis().api();
    List<String> keys = new ArrayList<>(List.of(log().accountKey(acme.accountId())));
    for (int k = 0; k < log().partitions(); k++) {
      keys.addAll(List.of(log().streamKey(k), log().countsKey(k), log().positionKey(k), log().resetKey(k)));
    }
    // (no check that it is empty now: the relay's next poll may already be refilling it)
    redis.del(keys).await();

    for (int i = 0; i < 5; i++) {
      text("1415555030" + i, "loss test: after " + i);
    }
    awaitStored(before + 5);
    // (counted by text too: under load the first five may still have been processing when counted)
    Await.until("the ten messages stored", Duration.ofSeconds(20),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE text LIKE 'loss test: %'") == 10);
    Await.passes(Duration.ofSeconds(20), () -> everyMessageOnce("loss test: "));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE text LIKE 'loss test: %'")).isEqualTo(10);

    String token = node.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");
    Http.Res stale = http.as(token).get("/api/v1/events?after=" + cursor);
    assertThat(stale.status()).as("a cursor from before the loss").isEqualTo(410);
    assertThat(stale.errorCode()).isEqualTo("events_gone");
    List<JsonObject> now = events();
    Http.Res fresh = http.as(token).get("/api/v1/events?after=" + now.get(0).getString("id"));
    assertThat(fresh.status()).as("a cursor from after it").isEqualTo(200);
  }

  @Test
  @DisplayName("a database restored under a Redis that kept a later log, two relays: new events are not skipped, the log restarts once and old cursors answer 410")
  void databaseRestoredUnderTheLog() throws Exception {
    // two relays at least: the one that sets the log back is not always the one that appends next
    TestNode other = relay(env.anotherNode());
    text("14155550501", "restore test: before");
    Await.until("the first message's event", Duration.ofSeconds(10), () -> events().stream()
        .anyMatch(e -> "restore test: before".equals(e.getJsonObject("data").getString("text"))));
    List<JsonObject> old = events();
    String cursor = old.get(old.size() - 1).getString("id");
    double restartsBefore = restarts("restarted");
    double seenBefore = restarts(node, "already_restarted") + restarts(node, "restarted");
    double otherSeenBefore = restarts(other, "already_restarted") + restarts(other, "restarted");
    // what a restore from last night's backup looks like to the relays: the log is ahead of the
    // database. The relay's lock is held until both nodes have seen it, so both want to restart.
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      long pg;
      try (ResultSet r = c.createStatement().executeQuery("SELECT last_pos FROM event_relay WHERE id = 1 FOR UPDATE")) {
        r.next();
        pg = r.getLong(1);
      }
      var redis = node.node.services().redis().api();
      for (int k = 0; k < log().partitions(); k++) {
        redis.set(List.of(log().positionKey(k), String.valueOf(pg + 1_000))).await();
      }
      for (TestNode n : List.of(node, other)) {
        Await.until("a node sees the log ahead", Duration.ofSeconds(10),
            () -> n.registry.find("switchboard_event_log_ahead").gauge().value() > 0);
      }
      c.commit();
    }

    text("14155550502", "restore test: after");
    Await.passes(Duration.ofSeconds(20), () -> {
      assertThat(events().stream().filter(e -> "message.created".equals(e.getString("type")))
          .map(e -> e.getJsonObject("data").getString("text")).toList()).contains("restore test: after");
      assertThat(log().position().await()).isEqualTo(Seed.scalar(db, "SELECT last_pos FROM event_relay"));
    });
    String token = node.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");
    Http.Res stale = http.as(token).get("/api/v1/events?after=" + cursor);
    assertThat(stale.status()).as("a cursor from before the restart").isEqualTo(410);
    assertThat(stale.errorCode()).isEqualTo("events_gone");
    // the log is set back once, not once per node that saw it ahead
    Await.until("both nodes decided", Duration.ofSeconds(10),
        () -> restarts(node, "already_restarted") + restarts(node, "restarted") > seenBefore
            && restarts(other, "already_restarted") + restarts(other, "restarted") > otherSeenBefore);
    assertThat(restarts("restarted") - restartsBefore).as("restarts of the log by the deployment's nodes").isEqualTo(1);
    // and the retained events are appended again once
    assertThat(events().stream().filter(e -> "message.created".equals(e.getString("type"))
        && "restore test: before".equals(e.getJsonObject("data").getString("text"))).count())
        .as("message.created events of the message from before, in the log").isEqualTo(2);

    // a page that reloaded reads on from here, and later appends never count as a restart again
    List<JsonObject> now = events();
    String fresh = now.get(now.size() - 1).getString("id");
    text("14155550503", "restore test: later");
    Await.until("the later message's event", Duration.ofSeconds(10), () -> events().stream()
        .anyMatch(e -> "restore test: later".equals(e.getJsonObject("data").getString("text"))));
    Http.Res onward = http.as(token).get("/api/v1/events?after=" + fresh);
    assertThat(onward.status()).as("a cursor from after the restart").isEqualTo(200);
    assertThat(onward.json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .anyMatch(e -> "restore test: later".equals(e.getJsonObject("data").getString("text")))).isTrue();
  }

  @Test
  @DisplayName("pruning deletes relayed rows past the retention, never rows the log does not hold yet")
  void pruning() throws Exception {
    text("14155550401", "to be pruned");
    Await.until("the message stored", Duration.ofSeconds(20),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE text = 'to be pruned'") == 1);
    Await.until("all relayed", Duration.ofSeconds(10), () -> Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE pos IS NULL") == 0
        && log().position().await() == Seed.scalar(db, "SELECT last_pos FROM event_relay"));
    long relayed = log().position().await();
    // the statement itself: positions above the log's, and rows without one, stay whatever their age
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      c.createStatement().executeUpdate("UPDATE event_outbox SET created_at = created_at - interval '2 hours'");
      c.createStatement().executeUpdate("INSERT INTO event_outbox (pos, account_id, body, created_at) VALUES "
          + "(NULL, 0, '{}', now() - interval '2 hours'), (" + (relayed + 1_000_000) + ", 0, '{}', now() - interval '2 hours')");
      try (PreparedStatement p = c.prepareStatement(EventSql.PRUNE.replace("$1", "?").replace("$2", "?").replace("$3", "?"))) {
        p.setLong(1, relayed);
        p.setLong(2, 60_000);
        p.setInt(3, 1_000_000);
        assertThat(p.executeUpdate()).isPositive();
      }
      // the two rows placed here, in account 0 (events the node writes meanwhile are newer, not aged)
      try (ResultSet r = c.createStatement().executeQuery("SELECT count(*) FILTER (WHERE pos IS NULL AND account_id = 0), count(*) FILTER (WHERE pos > "
          + relayed + " AND account_id = 0), count(*) FILTER (WHERE pos <= " + relayed + ") FROM event_outbox")) {
        r.next();
        assertThat(r.getLong(1)).as("rows without a position").isEqualTo(1);
        assertThat(r.getLong(2)).as("positions the log does not hold").isEqualTo(1);
        assertThat(r.getLong(3)).as("relayed rows past the retention").isZero();
      }
      c.rollback();
    }
    // and the node's own pruning: relayed rows made older than the retention disappear, recent ones stay
    try (Connection c = db.connect()) {
      int aged = c.createStatement().executeUpdate("UPDATE event_outbox SET created_at = created_at - interval '2 hours' WHERE pos <= "
          + relayed + " AND body LIKE '%to be pruned%'");
      assertThat(aged).as("relayed rows made older than the retention").isPositive();
    }
    text("14155550402", "recent");
    Await.until("old relayed rows pruned", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE created_at < now() - interval '1 hour'") == 0);
    Await.until("the recent message relayed", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE body LIKE '%recent%' AND pos IS NOT NULL") >= 1);
  }
}
