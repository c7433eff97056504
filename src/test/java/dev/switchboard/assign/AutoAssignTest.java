package dev.switchboard.assign;

import dev.switchboard.common.Tokens;
import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Auto-assignment on two nodes: round robin over 1,000 conversations (fair, never over capacity,
 * each assigned exactly once, history by {@code system}); what waits is assigned when capacity
 * frees up or is raised; teams, availability and presence; the settings' bounds.
 */
class AutoAssignTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("ASSIGN_POLL_MS", 20)
      // long: only the wakes (a closed conversation, a raised capacity, an agent coming online) may retry
      .put("ASSIGN_RETRY_MS", 600_000)
      .put("PRESENCE_SWEEP_MS", 50)).build();

  private static TestNode other;
  private static Tokens tokens;

  @BeforeAll
  static void setUp() {
    other = env.anotherNode();
    tokens = new Tokens(env.vertx(), TestNode.JWT_SECRET);
  }

  private static long agent(long accountId, String name) {
    return Seed.insert(env.db(), "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, 'x', 'agent') RETURNING id",
        accountId, name, name.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8) + "@a.test");
  }

  private static long channel(long accountId) {
    return Seed.channel(env.db(), accountId, "whatsapp", "aa-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** n new Open conversations at once (as a burst of new customers would make them). */
  private static void openConversations(long accountId, long channel, int n) {
    Seed.exec(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id) "
        + "SELECT ?, ?, 'c-' || g FROM generate_series(1, ?) g", accountId, channel, n);
    Seed.exec(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id, status) "
        + "SELECT account_id, channel_id, id, 'open' FROM contacts WHERE channel_id = ? ORDER BY id", channel);
  }

  private static Map<Long, Long> loads(long accountId) {
    Map<Long, Long> out = new HashMap<>();
    for (String row : Seed.strings(env.db(), "SELECT assignee_id || ':' || count(*) FROM conversations "
        + "WHERE account_id = ? AND assignee_type = 'agent' GROUP BY assignee_id", accountId)) {
      String[] p = row.split(":");
      out.put(Long.parseLong(p[0]), Long.parseLong(p[1]));
    }
    return out;
  }

  private static long count(String sql, Object... args) {
    return Seed.scalar(env.db(), sql, args);
  }

  @Test
  void roundRobinOverAThousandConversationsOnTwoNodes() {
    Seed.Account acc = Seed.account(env.db(), "Robin");
    String admin = tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin");
    List<Long> agents = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      agents.add(agent(acc.accountId(), "Agent" + i));
    }
    // the admin too is an agent of the account: take them out of the rotation by making them away
    Seed.exec(env.db(), "UPDATE users SET availability = 'away' WHERE id = ?", acc.adminId());
    Http.Res on = env.http().as(admin).patch("/api/v1/account", new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "round_robin").put("capacity", 60).put("onlyAvailable", false)));
    assertEquals(200, on.status(), on.text());
    assertEquals(60, on.json().getJsonObject("autoAssign").getInteger("capacity"));
    long channel = channel(acc.accountId());
    openConversations(acc.accountId(), channel, 1000);

    Await.until("600 assigned and 400 tried", Duration.ofSeconds(60), () ->
        count("SELECT count(*) FROM conversations WHERE account_id = ? AND assignee_type = 'agent'", acc.accountId()) == 600
            && count("SELECT count(*) FROM assign_queue WHERE account_id = ? AND tried_at IS NOT NULL", acc.accountId()) == 400);
    Map<Long, Long> loads = loads(acc.accountId());
    for (long a : agents) {
      assertEquals(60L, loads.get(a), "every agent filled to capacity, none over: " + loads);
    }
    assertNull(loads.get(acc.adminId()), "an away agent gets nothing");
    // fair at every moment: in the order made, no agent ever got two ahead of another
    List<String> order = Seed.strings(env.db(), "SELECT to_assignee_id FROM conversation_history "
        + "WHERE account_id = ? AND actor_type = 'system' ORDER BY id", acc.accountId());
    Map<String, Integer> seen = new HashMap<>();
    for (String a : order) {
      seen.merge(a, 1, Integer::sum);
      int max = seen.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      int min = seen.size() < agents.size() ? 0 : seen.values().stream().mapToInt(Integer::intValue).min().orElse(0);
      assertTrue(max - min <= 1, "round robin drifted: " + seen);
    }
    // the events went through the outbox, in the assignments' transactions
    assertTrue(count("SELECT count(*) FROM event_outbox WHERE account_id = ? AND body LIKE '%conversation.updated%'", acc.accountId()) >= 600);

    // an agent closes five: exactly five waiting conversations go to them, through the other node
    long first = agents.get(0);
    List<String> theirs = Seed.strings(env.db(), "SELECT id FROM conversations WHERE assignee_id = ? ORDER BY id LIMIT 5", first);
    String firstToken = tokens.issue(first, acc.accountId(), "agent", "Agent0");
    try (Http http = new Http(env.vertx(), other.baseUrl())) {
      Http.Res closed = http.as(firstToken).post("/api/v1/conversations/bulk",
          new JsonObject().put("ids", new JsonArray(new ArrayList<Object>(theirs))).put("status", "closed"));
      assertEquals(200, closed.status(), closed.text());
    }
    Await.until("the freed capacity used", Duration.ofSeconds(30), () -> loads(acc.accountId()).get(first) == 60L
        && count("SELECT count(*) FROM assign_queue WHERE account_id = ?", acc.accountId()) == 395);

    // raising the capacity assigns the rest
    assertEquals(200, env.http().as(admin).patch("/api/v1/account", new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "round_robin").put("capacity", 100).put("onlyAvailable", false))).status());
    Await.until("everything open assigned", Duration.ofSeconds(60), () ->
        count("SELECT count(*) FROM assign_queue WHERE account_id = ?", acc.accountId()) == 0);
    assertEquals(995, count("SELECT count(*) FROM conversations WHERE account_id = ? AND assignee_type = 'agent'", acc.accountId()));
    loads(acc.accountId()).values().forEach(n -> assertTrue(n <= 100, "over capacity: " + n));
    // exactly once: one system assignment per conversation, none twice
    assertEquals(1000, count("SELECT count(*) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", acc.accountId()));
    assertEquals(1000, count("SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", acc.accountId()));
    JsonArray history = env.http().as(admin).get("/api/v1/conversations/" + theirs.get(0) + "/history").json().getJsonArray("items");
    assertEquals("system", history.getJsonObject(0).getJsonObject("actor").getString("type"));
  }

  @Test
  void teamHandOffGoesToAvailableOnlineMembersAndWaitsOtherwise() {
    Seed.Account acc = Seed.account(env.db(), "Teams");
    String admin = tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin");
    long ana = agent(acc.accountId(), "Ana");
    long bo = agent(acc.accountId(), "Bo");
    long outsider = agent(acc.accountId(), "Cy");
    Http.Res team = env.http().as(admin).post("/api/v1/teams", new JsonObject().put("name", "Support")
        .put("memberIds", new JsonArray().add(String.valueOf(ana)).add(String.valueOf(bo))));
    assertEquals(201, team.status(), team.text());
    String teamId = team.json().getString("id");
    Http.Res set = env.http().as(admin).patch("/api/v1/teams/" + teamId, new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "least_busy").put("capacity", 2).put("onlyAvailable", true)));
    assertEquals(200, set.status(), set.text());
    assertEquals("least_busy", set.json().getJsonObject("autoAssign").getString("mode"));
    assertEquals("least_busy", env.http().as(admin).get("/api/v1/teams/" + teamId).json().getJsonObject("autoAssign").getString("mode"));

    // Ana is online (a socket on the other node), Bo and Cy are not
    String anaToken = tokens.issue(ana, acc.accountId(), "agent", "Ana");
    BridgeClient anaSocket = env.open(BridgeClient.connect(env.vertx(), other.port()))
        .registered(other, Bus.accountAddress(acc.accountId()), anaToken);
    Await.until("Ana online", Duration.ofSeconds(10), () -> "online".equals(presence(admin, ana)));

    long channel = channel(acc.accountId());
    Seed.exec(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id) SELECT ?, ?, 't-' || g FROM generate_series(1, 4) g",
        acc.accountId(), channel);
    List<String> convs = Seed.strings(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id) "
        + "SELECT account_id, channel_id, id FROM contacts WHERE channel_id = ? ORDER BY id RETURNING id", channel);
    // the hand-off to the team (as the bot or an agent makes it)
    for (String c : convs.subList(0, 3)) {
      assertEquals(200, env.http().as(admin).patch("/api/v1/conversations/" + c,
          new JsonObject().put("assignee", new JsonObject().put("type", "team").put("id", teamId))).status());
    }
    Await.until("Ana at capacity, one waits", Duration.ofSeconds(20), () -> loads(acc.accountId()).getOrDefault(ana, 0L) == 2
        && count("SELECT count(*) FROM assign_queue WHERE account_id = ? AND tried_at IS NOT NULL", acc.accountId()) == 1);
    assertNull(loads(acc.accountId()).get(bo), "Bo is offline");
    assertNull(loads(acc.accountId()).get(outsider), "not a member");

    // Bo comes online: the waiting one goes to him at once (no retry interval involved)
    String boToken = tokens.issue(bo, acc.accountId(), "agent", "Bo");
    BridgeClient boSocket = env.open(BridgeClient.connect(env.vertx(), env.node().port()))
        .registered(env.node(), Bus.accountAddress(acc.accountId()), boToken);
    Await.until("Bo takes the waiting one", Duration.ofSeconds(20), () -> loads(acc.accountId()).getOrDefault(bo, 0L) == 1);

    // Bo goes away: the next hand-off waits even though he has room; back available, he takes it
    assertEquals(200, env.http().as(boToken).put("/api/v1/me/presence", new JsonObject().put("availability", "away")).status());
    assertEquals(200, env.http().as(admin).patch("/api/v1/conversations/" + convs.get(3),
        new JsonObject().put("assignee", new JsonObject().put("type", "team").put("id", teamId))).status());
    Await.until("it waits", Duration.ofSeconds(20), () ->
        count("SELECT count(*) FROM assign_queue WHERE account_id = ? AND tried_at IS NOT NULL", acc.accountId()) == 1);
    assertEquals(1L, loads(acc.accountId()).get(bo));
    assertEquals(200, env.http().as(boToken).put("/api/v1/me/presence", new JsonObject().put("availability", "available")).status());
    Await.until("Bo takes it", Duration.ofSeconds(20), () -> loads(acc.accountId()).getOrDefault(bo, 0L) == 2);
    anaSocket.close();
    boSocket.close();
  }

  /**
   * A place frees up in a transaction that commits after a round has read the loads: the round
   * finds nobody and marks the waiting one tried, after the wake's own clock. The wake still
   * counts once it commits; the waiting one does not sit out the (here ten-minute) retry interval.
   */
  @Test
  void aWakeCommittedDuringARoundIsNotLost() throws Exception {
    Seed.Account acc = Seed.account(env.db(), "Racing");
    Seed.exec(env.db(), "UPDATE users SET availability = 'away' WHERE id = ?", acc.adminId());
    long ana = agent(acc.accountId(), "Ana");
    Seed.exec(env.db(), "UPDATE accounts SET auto_assign = '{\"mode\": \"round_robin\", \"capacity\": 1, \"onlyAvailable\": false}' WHERE id = ?",
        acc.accountId());
    long channel = channel(acc.accountId());
    long first = openOne(acc.accountId(), channel);
    Await.until("Ana at capacity", Duration.ofSeconds(20), () -> String.valueOf(ana).equals(assignee(first)));
    long waiting = openOne(acc.accountId(), channel);
    Await.until("the second waits", Duration.ofSeconds(20), () -> triedAndWaiting(waiting));
    try (java.sql.Connection closing = env.db().connect()) {
      closing.setAutoCommit(false);
      try (var ps = closing.prepareStatement("UPDATE conversations SET status = 'closed', assignee_type = NULL, assignee_id = NULL WHERE id = ?")) {
        ps.setLong(1, first);
        assertEquals(1, ps.executeUpdate());
      }
      // the wake is written, not committed; a round after it still counts Ana full
      long triedBefore = count("SELECT (extract(epoch FROM tried_at) * 1e6)::bigint FROM assign_queue WHERE conversation_id = ?", waiting);
      Seed.exec(env.db(), "UPDATE assign_queue SET tried_at = NULL WHERE conversation_id = ?", waiting);
      Await.until("a round tries it again meanwhile", Duration.ofSeconds(20), () -> triedAndWaiting(waiting));
      assertTrue(count("SELECT (extract(epoch FROM tried_at) * 1e6)::bigint FROM assign_queue WHERE conversation_id = ?", waiting) > triedBefore);
      assertEquals("", assignee(waiting));
      closing.commit();
    }
    Await.until("the freed place is used at the next round", Duration.ofSeconds(10), () -> String.valueOf(ana).equals(assignee(waiting)));
  }

  @Test
  void rowsHeldByARoundThatDiesAreAssignedOnceByTheOthers() throws Exception {
    Seed.Account acc = Seed.account(env.db(), "Crash");
    Seed.exec(env.db(), "UPDATE users SET availability = 'away' WHERE id = ?", acc.adminId());
    long ana = agent(acc.accountId(), "Ana");
    String anaToken = tokens.issue(ana, acc.accountId(), "agent", "Ana");
    // Ana is away: the five wait (tried once, nobody to take them)
    assertEquals(200, env.http().as(anaToken).put("/api/v1/me/presence", new JsonObject().put("availability", "away")).status());
    Seed.exec(env.db(), "UPDATE accounts SET auto_assign = '{\"mode\": \"round_robin\", \"capacity\": 50, \"onlyAvailable\": false}' WHERE id = ?",
        acc.accountId());
    openConversations(acc.accountId(), channel(acc.accountId()), 5);
    Await.until("the five tried", Duration.ofSeconds(20), () ->
        count("SELECT count(*) FROM assign_queue WHERE account_id = ? AND tried_at IS NOT NULL", acc.accountId()) == 5);
    try (java.sql.Connection held = env.db().connect()) {
      // a round that claimed them and dies before committing: its row locks are its claim
      held.setAutoCommit(false);
      try (var ps = held.prepareStatement("SELECT conversation_id FROM assign_queue WHERE account_id = ? FOR UPDATE")) {
        ps.setLong(1, acc.accountId());
        try (var rs = ps.executeQuery()) {
          int n = 0;
          while (rs.next()) {
            n++;
          }
          assertEquals(5, n);
        }
      }
      // Ana comes back: the nodes assign what nobody holds, and skip what is held
      assertEquals(200, env.http().as(anaToken).put("/api/v1/me/presence", new JsonObject().put("availability", "available")).status());
      openConversations(acc.accountId(), channel(acc.accountId()), 3);
      Await.until("the free ones assigned", Duration.ofSeconds(20), () -> loads(acc.accountId()).getOrDefault(ana, 0L) == 3);
      assertEquals(5, count("SELECT count(*) FROM assign_queue WHERE account_id = ?", acc.accountId()), "the held rows were skipped");
      held.rollback();
    }
    Await.until("the held ones assigned after the crash", Duration.ofSeconds(20), () -> loads(acc.accountId()).getOrDefault(ana, 0L) == 8);
    assertEquals(8, count("SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", acc.accountId()));
    assertEquals(8, count("SELECT count(*) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", acc.accountId()));
  }

  /** One new Open conversation (a new customer); answers its id. */
  private static long openOne(long accountId, long channel) {
    long contact = Seed.insert(env.db(), "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, ?) RETURNING id",
        accountId, channel, "s-" + UUID.randomUUID());
    return Seed.insert(env.db(), "INSERT INTO conversations (account_id, channel_id, contact_id, status) VALUES (?, ?, ?, 'open') RETURNING id",
        accountId, channel, contact);
  }

  private static String assignee(long conversation) {
    List<String> a = Seed.strings(env.db(), "SELECT coalesce(assignee_id::text, '') FROM conversations WHERE id = ?", conversation);
    return a.isEmpty() ? "" : a.get(0);
  }

  private static boolean triedAndWaiting(long conversation) {
    return count("SELECT count(*) FROM assign_queue WHERE conversation_id = ? AND tried_at IS NOT NULL", conversation) == 1;
  }

  @Test
  void snoozedConversationsAreNotPickedAndLeaveCapacityUntilTheyWake() {
    Seed.Account acc = Seed.account(env.db(), "Snoozers");
    Seed.exec(env.db(), "UPDATE users SET availability = 'away' WHERE id = ?", acc.adminId());
    Http admin = env.http().as(tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin"));
    long ana = agent(acc.accountId(), "Ana");
    String anaId = String.valueOf(ana);
    assertEquals(200, admin.patch("/api/v1/account", new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "round_robin").put("capacity", 2).put("onlyAvailable", false))).status());
    long channel = channel(acc.accountId());
    String until = java.time.Instant.now().plus(Duration.ofDays(1)).toString();
    java.util.function.LongConsumer snooze = id -> assertEquals(200, admin.post("/api/v1/conversations/" + id + "/snooze",
        new JsonObject().put("until", until)).status());
    java.util.function.LongConsumer close = id -> assertEquals(200, admin.patch("/api/v1/conversations/" + id,
        new JsonObject().put("status", "closed")).status());

    long c1 = openOne(acc.accountId(), channel);
    long c2 = openOne(acc.accountId(), channel);
    Await.until("Ana at capacity", Duration.ofSeconds(20), () -> anaId.equals(assignee(c1)) && anaId.equals(assignee(c2)));
    long c3 = openOne(acc.accountId(), channel);
    Await.until("the third waits", Duration.ofSeconds(20), () -> triedAndWaiting(c3));

    // Ana snoozes one of hers: she is not working on it until it wakes, so the waiting one is hers
    snooze.accept(c1);
    Await.until("the freed place used", Duration.ofSeconds(20), () -> anaId.equals(assignee(c3)));

    // a waiting conversation snoozed is never picked, even when a place frees up before a later one
    long c4 = openOne(acc.accountId(), channel);
    Await.until("it waits", Duration.ofSeconds(20), () -> triedAndWaiting(c4));
    snooze.accept(c4);
    long c5 = openOne(acc.accountId(), channel);
    Await.until("the later one waits too", Duration.ofSeconds(20), () -> triedAndWaiting(c5));
    close.accept(c2);
    Await.until("the place goes to the later, awake one", Duration.ofSeconds(20), () -> anaId.equals(assignee(c5)));
    assertEquals("", assignee(c4), "the snoozed one is left alone");
    assertEquals(1, count("SELECT count(*) FROM assign_queue WHERE conversation_id = ?", c4), "and stays queued for its wake");

    // her snoozed one wakes: it counts again (3 of 2); the assigner gives her nothing new
    assertEquals(200, admin.delete("/api/v1/conversations/" + c1 + "/snooze").status());
    long c6 = openOne(acc.accountId(), channel);
    Await.until("a new one waits: she is over capacity by her own wake", Duration.ofSeconds(20), () -> triedAndWaiting(c6));
    assertEquals("", assignee(c6));
    // two of hers closed (1 of 2): one place, and the snoozed c4 still does not take it
    close.accept(c1);
    close.accept(c3);
    Await.until("the awake one assigned", Duration.ofSeconds(20), () -> anaId.equals(assignee(c6)));
    assertEquals("", assignee(c4));
    // a place frees up with nothing awake waiting; c4 wakes and takes it
    close.accept(c5);
    assertEquals(200, admin.delete("/api/v1/conversations/" + c4 + "/snooze").status());
    Await.until("the woken one assigned", Duration.ofSeconds(20), () -> anaId.equals(assignee(c4)));
    assertEquals(2, count("SELECT count(*) FROM conversations WHERE assignee_id = ? AND snoozed_until IS NULL", ana));
    assertEquals(6, count("SELECT count(*) FROM conversation_history WHERE account_id = ? AND actor_type = 'system' AND to_assignee_id IS NOT NULL", acc.accountId()));
    assertEquals(6, count("SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE account_id = ? AND actor_type = 'system' AND to_assignee_id IS NOT NULL", acc.accountId()));
  }

  @Test
  void settingsAreBoundedAndAdminsOnly() {
    Seed.Account acc = Seed.account(env.db(), "Bounds");
    Seed.Account stranger = Seed.account(env.db(), "Elsewhere");
    String admin = tokens.issue(acc.adminId(), acc.accountId(), "admin", "Admin");
    long ana = agent(acc.accountId(), "Ana");
    String agentToken = tokens.issue(ana, acc.accountId(), "agent", "Ana");
    Http http = env.http().as(admin);
    assertNull(http.get("/api/v1/account").json().getValue("autoAssign"), "off until set");
    for (JsonObject bad : List.of(
        new JsonObject().put("mode", "random").put("capacity", 3),
        new JsonObject().put("mode", "round_robin").put("capacity", 0),
        new JsonObject().put("mode", "round_robin").put("capacity", 1001),
        new JsonObject().put("mode", "round_robin").put("capacity", 2.5),
        new JsonObject().put("mode", "round_robin").put("capacity", 3).put("extra", 1))) {
      Http.Res res = http.patch("/api/v1/account", new JsonObject().put("autoAssign", bad));
      assertEquals(422, res.status(), bad + " " + res.text());
      assertEquals("invalid_auto_assign", res.json().getJsonObject("error").getString("code"));
    }
    assertEquals(400, http.patch("/api/v1/account", new JsonObject().put("autoAssign", "yes")).status());
    assertEquals(400, http.patch("/api/v1/account", new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "round_robin").put("capacity", 3).put("onlyAvailable", "no"))).status());
    assertEquals(403, env.http().as(agentToken).patch("/api/v1/account", new JsonObject().putNull("autoAssign")).status());
    Http.Res ok = http.patch("/api/v1/account", new JsonObject().put("autoAssign", new JsonObject().put("mode", "least_busy").put("capacity", 5)));
    assertEquals(200, ok.status());
    assertEquals(true, ok.json().getJsonObject("autoAssign").getBoolean("onlyAvailable"), "onlyAvailable defaults to true");
    assertEquals(5, env.http().as(agentToken).get("/api/v1/account").json().getJsonObject("autoAssign").getInteger("capacity"));
    assertNull(http.patch("/api/v1/account", new JsonObject().putNull("autoAssign")).json().getValue("autoAssign"));
    // another account's team is not found; a bad team setting changes nothing
    long theirTeam = Seed.insert(env.db(), "INSERT INTO teams (account_id, name) VALUES (?, 'Theirs') RETURNING id", stranger.accountId());
    assertEquals(404, http.patch("/api/v1/teams/" + theirTeam, new JsonObject().put("autoAssign",
        new JsonObject().put("mode", "least_busy").put("capacity", 5))).status());
    assertEquals(0, count("SELECT count(*) FROM teams WHERE id = ? AND auto_assign IS NOT NULL", theirTeam));
  }

  private static String presence(String token, long userId) {
    JsonArray items = env.http().as(token).get("/api/v1/agents").json().getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (String.valueOf(userId).equals(items.getJsonObject(i).getString("id"))) {
        return items.getJsonObject(i).getString("presence");
      }
    }
    return null;
  }
}
