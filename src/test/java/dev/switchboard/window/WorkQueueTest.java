package dev.switchboard.window;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The work queue: needsReply, sort=window and expiringWithin, the expiring warning and snooze, on two nodes")
class WorkQueueTest {

  static final MutableClock clock = new MutableClock(Instant.now());

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().graph().account("Queue Co").build();

  static TestDb db;
  static TestNode a;
  static TestNode b;
  static Http agentA;
  static Http agentB;
  static Http other;
  static Http webhooksA;
  static Http webhooksB;
  static long accountId;
  static long agentId;
  static long whatsapp;
  static long messenger;
  static long otherAccount;
  static long otherChannel;

  static JsonObject settings() {
    return new JsonObject().put("WINDOW_STANDARD", "PT1H").put("WINDOW_HUMAN_AGENT", "PT3H").put("WINDOW_WARN_BEFORE", "PT30M")
        .put("WINDOW_TIMER_POLL_MS", 50).put("OUTBOUND_POLL_MS", 100).put("GRAPH_API_URL", env.graph().url());
  }

  @BeforeAll
  static void start() {
    db = env.db();
    accountId = env.account().accountId();
    agentId = Seed.user(db, accountId, "Queue Agent", "agent+" + UUID.randomUUID().toString().substring(0, 6) + "@queue.test", "agent-password", "agent");
    whatsapp = Seed.channel(db, accountId, "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
    messenger = Seed.channel(db, accountId, "messenger", Webhooks.PAGE_ID);
    Seed.Account second = Seed.account(db, "Other Co");
    otherAccount = second.accountId();
    otherChannel = Seed.channel(db, otherAccount, "whatsapp", "other-" + UUID.randomUUID());
    defaultAnswers(env.graph());
    a = env.open(TestNode.start(db, env.redisPrefix(), settings(), clock));
    b = env.open(TestNode.start(db, env.redisPrefix(), settings(), clock));
    Tokens tokens = new Tokens(env.vertx(), TestNode.JWT_SECRET);
    String token = tokens.issue(agentId, accountId, "agent", "Queue Agent");
    webhooksA = env.open(new Http(env.vertx(), a.baseUrl()));
    webhooksB = env.open(new Http(env.vertx(), b.baseUrl()));
    agentA = webhooksA.as(token);
    agentB = webhooksB.as(token);
    other = webhooksA.as(tokens.issue(second.adminId(), otherAccount, "admin", "Other Admin"));
  }

  static void defaultAnswers(FakeGraph graph) {
    AtomicLong n = new AtomicLong();
    graph.respond("POST", "/", c -> FakeGraph.Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.q" + n.incrementAndGet() + "_" + System.nanoTime())))));
  }

  @BeforeEach
  void realTime() {
    // webhooks carry the real time; each test starts the nodes' clock there
    clock.set(Instant.now());
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** A WhatsApp customer writes through node {@code via}; answers the conversation id once stored. */
  static long customerWrites(Http via, String waId, String text) {
    Webhooks.whatsappText(via, waId, "Customer " + waId, text);
    return Await.value("the message to be stored", Duration.ofSeconds(10), () -> {
      List<String> ids = Seed.strings(db, "SELECT cv.id::text FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id "
          + "JOIN messages m ON m.conversation_id = cv.id WHERE ct.platform_user_id = ? AND m.text = ?", waId, text);
      return ids.isEmpty() ? null : Long.parseLong(ids.get(0));
    });
  }

  static String waId() {
    return "4917" + (10_000_000L + Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 89_999_999L));
  }

  static JsonObject conversation(Http as, long id) {
    Http.Res r = as.get("/api/v1/conversations/" + id);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  static List<JsonObject> events(String type, long conversationId) {
    return a.node.services().events().read(accountId, null, 10_000).await().stream()
        .filter(e -> type.equals(e.getString("type")) && String.valueOf(conversationId).equals(e.getString("conversationId")))
        .toList();
  }

  static long historyRows(long conversationId, String action) {
    return Seed.scalar(db, "SELECT count(*) FROM conversation_history WHERE conversation_id = ? AND action = ?", conversationId, action);
  }

  /** A few poll intervals of both nodes: a second firing would have happened by then. */
  static void settle() {
    Await.pause(400);
  }

  static long seeded(long account, long channel, String status, Instant lastMessage, Instant deadline, Instant snoozedUntil) {
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id) VALUES (?, ?, ?) RETURNING id",
        account, channel, "s" + UUID.randomUUID());
    return Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status, assignee_type, assignee_id, last_message_at, "
            + "needs_reply, reply_deadline, snoozed_until) VALUES (?, ?, ?, ?, ?::text, ?::bigint, ?, ?, ?::timestamptz, ?::timestamptz) RETURNING id",
        account, channel, contact, status, "assigned".equals(status) ? "agent" : null, "assigned".equals(status) ? agentId : null,
        utc(lastMessage), deadline != null, utc(deadline), utc(snoozedUntil));
  }

  static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  /** Every id of a list, page by page ({@code limit} each), through both nodes in turn. */
  static List<String> pages(String query, int limit) {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    int page = 0;
    do {
      Http as = page++ % 2 == 0 ? agentA : agentB;
      Http.Res r = as.get("/api/v1/conversations?" + query + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.items().size()).isLessThanOrEqualTo(limit);
      r.items().forEach(o -> ids.add(((JsonObject) o).getString("id")));
      cursor = r.json().getString("nextCursor");
      assertThat(page).as("pages end").isLessThan(100);
    } while (cursor != null);
    return ids;
  }

  // --- tests -------------------------------------------------------------------------------------

  @Test
  @DisplayName("needsReply follows the last message that is not a note: set by ingest, kept by a note, cleared by a reply, in events too")
  void needsReplyFollowsMessages() {
    String wa = waId();
    long id = customerWrites(webhooksA, wa, "hello, anyone?");
    JsonObject v = conversation(agentA, id);
    assertThat(v.getBoolean("needsReply")).isTrue();
    Instant deadline = Instant.parse(v.getJsonObject("window").getString("humanExpiresAt"));
    assertThat(Seed.strings(db, "SELECT reply_deadline = ?::timestamptz FROM conversations WHERE id = ?", utc(deadline), id))
        .as("the stored deadline is the rule's human deadline").containsExactly("t");
    Await.until("an event with needsReply", Duration.ofSeconds(5), () -> events("conversation.created", id).stream()
        .anyMatch(e -> e.getJsonObject("data").getBoolean("needsReply")));

    Http.Res note = agentB.post("/api/v1/conversations/" + id + "/messages", new JsonObject().put("type", "note").put("text", "checking"));
    assertThat(note.status()).as(note.text()).isIn(200, 201, 202);
    assertThat(conversation(agentA, id).getBoolean("needsReply")).as("a note is no reply").isTrue();

    Http.Res reply = agentB.post("/api/v1/conversations/" + id + "/messages", new JsonObject().put("type", "reply").put("text", "here!"));
    assertThat(reply.status()).as(reply.text()).isIn(200, 201, 202);
    JsonObject after = conversation(agentA, id);
    assertThat(after.getBoolean("needsReply")).as("answered in the reply's transaction").isFalse();
    assertThat(Seed.strings(db, "SELECT coalesce(reply_deadline::text, 'none') FROM conversations WHERE id = ?", id)).containsExactly("none");
    Await.until("an update event with needsReply false", Duration.ofSeconds(5), () -> events("conversation.updated", id).stream()
        .anyMatch(e -> !e.getJsonObject("data").getBoolean("needsReply")));

    customerWrites(webhooksB, wa, "thanks, one more thing");
    assertThat(conversation(agentA, id).getBoolean("needsReply")).isTrue();

    // Messenger: the stored deadline is the human-agent window's, as the rule (WindowPolicy) says
    String psid = "7423918830" + (100_000 + Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 899_999L));
    Webhooks.socialText(webhooksA, "messenger", psid, "hello from messenger");
    long fb = Await.value("the Messenger conversation", Duration.ofSeconds(10), () -> {
      List<String> ids = Seed.strings(db, "SELECT cv.id::text FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.platform_user_id = ?", psid);
      return ids.isEmpty() ? null : Long.parseLong(ids.get(0));
    });
    JsonObject fv = conversation(agentA, fb);
    assertThat(fv.getBoolean("needsReply")).isTrue();
    Instant human = Instant.parse(fv.getJsonObject("window").getString("humanExpiresAt"));
    assertThat(human).isAfter(Instant.parse(fv.getJsonObject("window").getString("automationExpiresAt")));
    assertThat(Seed.strings(db, "SELECT reply_deadline = ?::timestamptz FROM conversations WHERE id = ?", utc(human), fb)).containsExactly("t");
  }

  @Test
  @DisplayName("a reply Meta refuses does not answer the customer: needsReply and its deadline come back with the failure, in an event too")
  void failedReplyStillNeedsOne() {
    String wa = waId();
    long id = customerWrites(webhooksA, wa, "is my order late?");
    String deadline = Seed.strings(db, "SELECT reply_deadline::text FROM conversations WHERE id = ?", id).get(0);
    // Meta refuses this one reply for good (131049); every other send keeps the class's answer
    env.graph().respond("POST", "/", c -> c.body() != null && c.body().contains("refused by meta")
        ? FakeGraph.Answer.fixture(400, "error_whatsapp_131049_ecosystem_engagement.json")
        : FakeGraph.Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
            .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.q" + System.nanoTime())))));
    try {
      Http.Res reply = agentB.post("/api/v1/conversations/" + id + "/messages", new JsonObject().put("type", "reply").put("text", "refused by meta"));
      assertThat(reply.status()).as(reply.text()).isIn(200, 201, 202);
      String messageId = reply.json().getString("id");
      // not read here whether the queued reply counts as the answer: the refusal can come before any
      // read does (the reply's own transaction clearing needsReply is another test's)
      Await.until("the send failed", Duration.ofSeconds(10), () ->
          Seed.strings(db, "SELECT status FROM messages WHERE id = ?::bigint", messageId).contains("failed"));
    } finally {
      defaultAnswers(env.graph());
    }
    JsonObject v = conversation(agentA, id);
    assertThat(v.getBoolean("needsReply")).as("the failed reply never reached the customer").isTrue();
    assertThat(Seed.strings(db, "SELECT reply_deadline::text FROM conversations WHERE id = ?", id)).containsExactly(deadline);
    assertThat(ids(agentA.get("/api/v1/conversations?sort=window&expiringWithin=PT1H&limit=100"))).contains(s(id));
    Await.until("an update event with needsReply true after the failure", Duration.ofSeconds(5), () -> {
      List<JsonObject> updates = events("conversation.updated", id);
      return !updates.isEmpty() && updates.get(updates.size() - 1).getJsonObject("data").getBoolean("needsReply");
    });
  }

  @Test
  @DisplayName("a reply reported failed after its warning time: needsReply again, and the warning it missed fires once")
  void lateFailureArmsTheWarningAgain() {
    String wa = waId();
    long id = customerWrites(webhooksA, wa, "where is my refund?");
    Http.Res reply = agentA.post("/api/v1/conversations/" + id + "/messages", new JsonObject().put("type", "reply").put("text", "looking into it"));
    assertThat(reply.status()).as(reply.text()).isIn(200, 201, 202);
    String messageId = reply.json().getString("id");
    String wamid = Await.value("the reply sent", Duration.ofSeconds(10), () -> {
      List<String> w = Seed.strings(db, "SELECT external_id FROM messages WHERE id = ?::bigint AND status = 'sent'", messageId);
      return w.isEmpty() ? null : w.get(0);
    });
    // the warning's moment passes while the conversation looks answered: the timer drops it
    clock.advance(Duration.ofMinutes(35));
    settle();
    assertThat(events("conversation.window_expiring", id)).isEmpty();

    Webhooks.whatsappFailed(webhooksB, wamid, wa);
    Await.until("needsReply again", Duration.ofSeconds(10), () -> conversation(agentA, id).getBoolean("needsReply"));
    Await.until("the warning", Duration.ofSeconds(10), () -> !events("conversation.window_expiring", id).isEmpty());
    settle();
    assertThat(events("conversation.window_expiring", id)).hasSize(1);
    assertThat(events("conversation.window_expiring", id).get(0).getJsonObject("data").getBoolean("needsReply")).isTrue();
  }

  @Test
  @DisplayName("sort=window: needs-reply first by deadline, then the rest by activity; expiringWithin, tabs, platform, pagination, isolation")
  void windowSortAndFilters() {
    Instant now = clock.instant();
    Seed.exec(db, "UPDATE conversations SET status = 'closed', assignee_type = NULL, assignee_id = NULL, snoozed_until = NULL WHERE account_id = ?", accountId);
    Seed.exec(db, "UPDATE conversations SET needs_reply = false, reply_deadline = NULL, last_message_at = now() - interval '30 days' WHERE account_id = ?", accountId);
    long d50 = seeded(accountId, whatsapp, "open", now.minusSeconds(600), now.plus(Duration.ofMinutes(50)), null);
    long d20 = seeded(accountId, messenger, "open", now.minusSeconds(3000), now.plus(Duration.ofMinutes(20)), null);
    long d90 = seeded(accountId, messenger, "assigned", now.minusSeconds(100), now.plus(Duration.ofMinutes(90)), null);
    long d10snoozed = seeded(accountId, whatsapp, "open", now.minusSeconds(50), now.plus(Duration.ofMinutes(10)), now.plus(Duration.ofHours(2)));
    long expired = seeded(accountId, whatsapp, "open", now.minusSeconds(5000), now.minus(Duration.ofMinutes(5)), null);
    long rest1 = seeded(accountId, whatsapp, "open", now.minusSeconds(10), null, null);
    long rest2 = seeded(accountId, messenger, "closed", now.minusSeconds(20), null, null);
    long rest3 = seeded(accountId, whatsapp, "assigned", now.minusSeconds(30), null, null);
    long foreign = seeded(otherAccount, otherChannel, "open", now.minusSeconds(1), now.plus(Duration.ofMinutes(1)), null);
    List<String> older = Seed.strings(db, "SELECT id::text FROM conversations WHERE account_id = ? AND id NOT IN (?, ?, ?, ?, ?, ?, ?, ?) "
        + "ORDER BY last_message_at DESC, id DESC", accountId, d50, d20, d90, d10snoozed, expired, rest1, rest2, rest3);

    List<String> all = new ArrayList<>(List.of(s(d10snoozed), s(d20), s(d50), s(d90), s(rest1), s(rest2), s(rest3), s(expired)));
    all.addAll(older);
    for (int limit : new int[] {1, 2, 3, 30}) {
      assertThat(pages("sort=window", limit)).as("limit " + limit).containsExactlyElementsOf(all);
    }
    assertThat(pages("sort=window&status=open", 2)).as("Open leaves the snoozed one out")
        .containsExactlyElementsOf(concat(List.of(s(d20), s(d50), s(rest1), s(expired)), openOf(older)));
    assertThat(pages("sort=window&status=snoozed", 2)).containsExactly(s(d10snoozed));
    assertThat(pages("sort=window&expiringWithin=PT1H", 2)).containsExactly(s(d10snoozed), s(d20), s(d50));
    assertThat(pages("sort=window&expiringWithin=PT1H&status=open", 1)).containsExactly(s(d20), s(d50));
    assertThat(pages("sort=window&expiringWithin=PT2H&platform=messenger", 1)).containsExactly(s(d20), s(d90));
    assertThat(pages("expiringWithin=PT30M", 1)).as("the filter without the sort: by activity").containsExactly(s(d10snoozed), s(d20));
    assertThat(pages("sort=window&assigneeId=" + agentId, 1)).containsExactly(s(d90), s(rest3));
    assertThat(agentA.get("/api/v1/conversations?sort=window&status=snoozed").items().getJsonObject(0).getString("snoozedUntil")).isNotNull();

    JsonObject counts = agentA.get("/api/v1/conversations/counts").json();
    assertThat(counts.getLong("snoozed")).isEqualTo(1);
    assertThat(counts.getLong("open")).isEqualTo(4 + openOf(older).size());
    JsonObject expiring = agentA.get("/api/v1/conversations/counts?expiringWithin=PT1H").json();
    assertThat(expiring.getLong("open")).isEqualTo(2);
    assertThat(expiring.getLong("snoozed")).isEqualTo(1);

    // the other account sees only its own
    Http.Res theirs = other.get("/api/v1/conversations?sort=window");
    assertThat(theirs.items().stream().map(o -> ((JsonObject) o).getString("id")).toList()).containsExactly(s(foreign));

    // bad input
    assertThat(agentA.get("/api/v1/conversations?sort=deadline").status()).isEqualTo(400);
    for (String bad : new String[] {"1h", "PT0S", "-PT1H", "P31D", "PT", "P" + "9".repeat(40) + "D"}) {
      assertThat(agentA.get("/api/v1/conversations?expiringWithin=" + bad).status()).as(bad).isEqualTo(400);
    }
    String activityCursor = agentA.get("/api/v1/conversations?limit=1").json().getString("nextCursor");
    assertThat(agentA.get("/api/v1/conversations?sort=window&cursor=" + activityCursor).errorCode()).isEqualTo("invalid_cursor");
    String windowCursor = agentA.get("/api/v1/conversations?sort=window&limit=1").json().getString("nextCursor");
    assertThat(agentA.get("/api/v1/conversations?cursor=" + windowCursor).errorCode()).isEqualTo("invalid_cursor");
  }

  private List<String> openOf(List<String> ids) {
    return ids.stream().filter(id -> Seed.strings(db, "SELECT status FROM conversations WHERE id = ?::bigint AND snoozed_until IS NULL", id)
        .contains("open")).toList();
  }

  private static List<String> concat(List<String> x, List<String> y) {
    List<String> out = new ArrayList<>(x);
    out.addAll(y);
    return out;
  }

  private static String s(long id) {
    return String.valueOf(id);
  }

  @Test
  @DisplayName("the expiring warning fires once across two nodes, WINDOW_WARN_BEFORE ahead, and never again after a rebuild; an answered one never")
  void expiringWarningOnce() {
    long waiting = customerWrites(webhooksA, waId(), "still there?");
    long answered = customerWrites(webhooksB, waId(), "quick question");
    assertThat(agentA.post("/api/v1/conversations/" + answered + "/messages", new JsonObject().put("type", "reply").put("text", "yes"))
        .status()).isIn(200, 201, 202);
    clock.advance(Duration.ofMinutes(25));
    settle();
    assertThat(events("conversation.window_expiring", waiting)).as("not yet: 35 minutes before").isEmpty();
    clock.advance(Duration.ofMinutes(6));
    Await.until("the warning", Duration.ofSeconds(10), () -> !events("conversation.window_expiring", waiting).isEmpty());
    settle();
    List<JsonObject> fired = events("conversation.window_expiring", waiting);
    assertThat(fired).hasSize(1);
    JsonObject data = fired.get(0).getJsonObject("data");
    assertThat(data.getBoolean("needsReply")).isTrue();
    assertThat(data.getString("expiresAt")).isEqualTo(data.getJsonObject("window").getString("humanExpiresAt"));
    assertThat(events("conversation.window_expiring", answered)).as("answered: no warning").isEmpty();

    // Redis loses the timers: the rebuild does not warn of the same deadline again
    WindowTimer timers = new WindowTimer(a.node.services().redis(), null, a.node.services().events().partitions());
    List<String> lost = new java.util.ArrayList<>();
    for (int k = 0; k < timers.partitions(); k++) {
      lost.add(timers.builtKey(k));
      lost.add(timers.key(k));
    }
    a.node.services().redis().api().del(lost).await();
    Await.until("the rebuild", Duration.ofSeconds(10), () -> a.node.services().redis().api()
        .exists(List.of(timers.builtKey(0))).await().toInteger() == 1);
    settle();
    assertThat(events("conversation.window_expiring", waiting)).hasSize(1);
  }

  @Test
  @DisplayName("snooze leaves Open and its count, shows under Snoozed, wakes at its time exactly once across two nodes, recorded as the timer's")
  void snoozeWakesByTime() {
    long id = customerWrites(webhooksA, waId(), "call me tomorrow");
    agentA.patch("/api/v1/conversations/" + id, new JsonObject().put("status", "open"));
    Instant until = clock.instant().plus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    Http.Res r = agentA.post("/api/v1/conversations/" + id + "/snooze", new JsonObject().put("until", until.toString()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(Instant.parse(r.json().getString("snoozedUntil"))).isEqualTo(until);
    assertThat(r.json().getString("status")).as("keeps its status").isEqualTo("open");
    assertThat(ids(agentB.get("/api/v1/conversations?status=open&limit=100"))).doesNotContain(s(id));
    assertThat(ids(agentB.get("/api/v1/conversations?status=snoozed&limit=100"))).contains(s(id));

    clock.advance(Duration.ofMinutes(119));
    settle();
    assertThat(conversation(agentA, id).getString("snoozedUntil")).as("not yet").isNotNull();
    clock.advance(Duration.ofMinutes(2));
    Await.until("the wake", Duration.ofSeconds(10), () -> conversation(agentA, id).getString("snoozedUntil") == null);
    settle();
    assertThat(historyRows(id, "woke")).isEqualTo(1);
    assertThat(Seed.strings(db, "SELECT actor_type || ':' || reason FROM conversation_history WHERE conversation_id = ? AND action = 'woke'", id))
        .containsExactly("system:snooze_ended");
    assertThat(events("conversation.updated", id).stream().filter(e -> e.getJsonObject("data").getString("snoozedUntil") == null
        && e.getJsonObject("data").getString("status").equals("open")).count()).as("one update for the wake (one for the open)").isEqualTo(2);
    assertThat(ids(agentB.get("/api/v1/conversations?status=open&limit=100"))).contains(s(id));
    JsonArray history = agentA.get("/api/v1/conversations/" + id + "/history").json().getJsonArray("items");
    assertThat(history.stream().map(o -> ((JsonObject) o).getString("action")).toList()).contains("snoozed", "woke");
  }

  @Test
  @DisplayName("the customer's next message wakes a snoozed conversation once (on the other node); its timer then finds nothing to wake")
  void snoozeWakesByMessage() {
    String wa = waId();
    long id = customerWrites(webhooksA, wa, "I'll get back to you");
    agentA.patch("/api/v1/conversations/" + id, new JsonObject().put("status", "open"));
    Instant until = clock.instant().plus(Duration.ofHours(5));
    assertThat(agentB.post("/api/v1/conversations/" + id + "/snooze", new JsonObject().put("until", until.toString())).status()).isEqualTo(200);
    customerWrites(webhooksB, wa, "I'm back");
    JsonObject v = conversation(agentA, id);
    assertThat(v.getString("snoozedUntil")).isNull();
    assertThat(Seed.strings(db, "SELECT actor_type || ':' || reason FROM conversation_history WHERE conversation_id = ? AND action = 'woke'", id))
        .containsExactly("system:customer_message");
    clock.advance(Duration.ofHours(6));
    settle();
    assertThat(historyRows(id, "woke")).isEqualTo(1);
  }

  @Test
  @DisplayName("snooze input is checked, other accounts get 404, unsnooze records the agent, closing clears the snooze")
  void snoozeRulesAndIsolation() {
    long id = customerWrites(webhooksA, waId(), "hi");
    String path = "/api/v1/conversations/" + id + "/snooze";
    Instant now = clock.instant();
    assertThat(agentA.post(path, new JsonObject().put("until", now.minusSeconds(60).toString())).errorCode()).isEqualTo("invalid_until");
    assertThat(agentA.post(path, new JsonObject().put("until", now.plus(Duration.ofDays(366)).toString())).status()).isEqualTo(422);
    assertThat(agentA.post(path, new JsonObject().put("until", "tomorrow")).status()).isEqualTo(422);
    assertThat(agentA.post(path, new JsonObject()).status()).isEqualTo(400);
    assertThat(other.post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).status()).isEqualTo(404);
    assertThat(other.delete(path).status()).isEqualTo(404);
    assertThat(agentA.post("/api/v1/conversations/999999999/snooze", new JsonObject().put("until", now.plusSeconds(3600).toString())).status())
        .isEqualTo(404);
    assertThat(conversation(agentA, id).getString("snoozedUntil")).isNull();
    assertThat(agentA.post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).errorCode())
        .as("new conversations are closed").isEqualTo("conversation_closed");

    agentA.patch("/api/v1/conversations/" + id, new JsonObject().put("status", "open"));
    assertThat(agentA.post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).status()).isEqualTo(200);
    Http.Res woke = agentB.delete(path);
    assertThat(woke.status()).isEqualTo(200);
    assertThat(woke.json().getString("snoozedUntil")).isNull();
    assertThat(Seed.strings(db, "SELECT actor_type || ':' || actor_id || ':' || reason FROM conversation_history WHERE conversation_id = ? AND action = 'woke'", id))
        .containsExactly("agent:" + agentId + ":unsnoozed");

    // an API key snoozes with the write scope (recorded as the key), not with read only
    Http admin = webhooksA.as(new Tokens(env.vertx(), TestNode.JWT_SECRET).issue(env.account().adminId(), accountId, "admin", "Admin"));
    String writer = admin.post("/api/v1/api-keys", new JsonObject().put("name", "crm").put("scopes", new JsonArray().add("write"))).json().getString("secret");
    String reader = admin.post("/api/v1/api-keys", new JsonObject().put("name", "bi").put("scopes", new JsonArray().add("read"))).json().getString("secret");
    assertThat(webhooksA.as(reader).post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).errorCode()).isEqualTo("insufficient_scope");
    assertThat(webhooksA.as(writer).post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).status()).isEqualTo(200);
    assertThat(Seed.strings(db, "SELECT actor_type FROM conversation_history WHERE conversation_id = ? AND action = 'snoozed' ORDER BY id DESC LIMIT 1", id))
        .containsExactly("api");
    assertThat(agentA.post(path, new JsonObject().put("until", now.plusSeconds(3600).toString())).status()).isEqualTo(200);
    Http.Res closed = agentA.patch("/api/v1/conversations/" + id, new JsonObject().put("status", "closed"));
    assertThat(closed.json().getString("snoozedUntil")).as("closing clears the snooze").isNull();
  }

  private static List<String> ids(Http.Res r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.items().stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}
