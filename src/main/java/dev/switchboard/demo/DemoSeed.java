package dev.switchboard.demo;

import dev.switchboard.config.Config;
import dev.switchboard.auth.Passwords;
import dev.switchboard.common.Tokens;
import dev.switchboard.store.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo account, seeded once. Account, people, channels, saved replies and flows are rows
 * written in one transaction; the conversations arrive the real way, as signed webhooks through
 * the simulator, and then get their statuses, fields and labels. A second start adds nothing:
 * the account is found by its admin, the conversations by their count.
 *
 * <p>Runs on the demo's start-up thread with JDBC, before the demo is announced.
 */
public final class DemoSeed {

  private static final Logger LOG = LoggerFactory.getLogger(DemoSeed.class);

  public static final String ACCOUNT = "Demo Shop";
  public static final String ADMIN_EMAIL = "admin@demo.test";
  public static final String SAM_EMAIL = "sam@demo.test";
  public static final String JO_EMAIL = "jo@demo.test";

  public static final String WHATSAPP_ID = "100200300400500";
  public static final String WABA_ID = "100200300400501";
  public static final String PAGE_ID = "361442100000001";
  public static final String INSTAGRAM_ID = "17841400000000001";

  /** What a start found or made; {@code password} is set only on the start that created the users. */
  public record Result(long accountId, boolean created, String password, int conversations) {
  }

  /** One seeded conversation: who writes, what, how long ago, and where it ends up. */
  record Seeded(String platform, String channelId, String customerId, String name, String text, Duration ago,
                String status, String assignee, Map<String, String> fields, List<String> labels) {
  }

  static final List<Seeded> CONVERSATIONS = List.of(
      new Seeded("whatsapp", WHATSAPP_ID, "14155550123", "Dana Whitfield", "Hi, is my order #1042 shipped yet?",
          Duration.ofMinutes(50), "open", null, Map.of("order num", "1042", "membership", "gold"), List.of("vip")),
      new Seeded("whatsapp", WHATSAPP_ID, "14155550177", "Luis Ortega", "Can I still change the delivery address for order #1077?",
          Duration.ofHours(3), "assigned", "agent:" + SAM_EMAIL, Map.of("order num", "1077"), List.of()),
      new Seeded("whatsapp", WHATSAPP_ID, "14155550188", "Priya Nair", "Thanks, the package arrived!",
          Duration.ofDays(2), "closed", null, Map.of("order num", "1003", "membership", "silver"), List.of()),
      new Seeded("messenger", PAGE_ID, "7423918830164025", "Peter Chang", "Hello! Do you deliver on Sundays?",
          Duration.ofMinutes(20), "assigned", "team:Support", Map.of("membership", "diamond"), List.of("new")),
      new Seeded("messenger", PAGE_ID, "7400000000000002", "Emma Schultz", "What are your opening hours?",
          Duration.ofHours(1), "closed", null, Map.of(), List.of()),
      new Seeded("messenger", PAGE_ID, "7400000000000003", "Omar Haddad", "I still have not received my refund.",
          Duration.ofDays(3), "open", null, Map.of("order num", "0988"), List.of("returns")),
      new Seeded("instagram", INSTAGRAM_ID, "1254477777772919", "Mina Okafor", "Is this jacket still available in M?",
          Duration.ofMinutes(10), "open", null, Map.of(), List.of("new")),
      new Seeded("instagram", INSTAGRAM_ID, "1254400000000002", "Kenji Sato", "Do you ship to Japan? We would order 40 pieces.",
          Duration.ofHours(5), "assigned", "agent:" + JO_EMAIL, Map.of(), List.of("wholesale")),
      new Seeded("instagram", INSTAGRAM_ID, "1254400000000003", "Jules Martin", "Love the new collection \uD83D\uDE0D",
          Duration.ofHours(26), "closed", null, Map.of(), List.of()));

  private final Config config;
  private final Simulator simulator;
  private final Clock clock;
  private final Tokens tokens;
  private final Db.JdbcTarget db;

  public DemoSeed(Config config, Simulator simulator, Clock clock, Tokens tokens) {
    this.config = config;
    this.simulator = simulator;
    this.clock = clock;
    this.tokens = tokens;
    this.db = Db.jdbc(config.databaseUrl());
  }

  public Result run() {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      Long accountId = scalar(c, "SELECT account_id FROM users WHERE lower(email) = lower(?)", ADMIN_EMAIL);
      String password = null;
      if (accountId == null) {
        password = Passwords.random();
        accountId = createAccount(c, password);
      }
      for (Seeded s : CONVERSATIONS) {
        // the simulator knows the seeded customers by name (Messenger and Instagram profiles come from it)
        if (simulator.customer(s.platform(), s.customerId()) == null) {
          simulator.addCustomer(new Simulator.Customer(s.platform(), s.channelId(), s.customerId(), s.name()));
        }
      }
      long existing = scalar(c, "SELECT count(*) FROM conversations WHERE account_id = ?", accountId);
      int conversations = (int) existing;
      if (existing == 0) {
        conversations = seedConversations(c, accountId);
      }
      return new Result(accountId, password != null, password, conversations);
    } catch (SQLException e) {
      throw new IllegalStateException("seeding the demo failed: " + e.getMessage(), e);
    }
  }

  private long createAccount(Connection c, String password) throws SQLException {
    String hash = Passwords.hash(password);
    c.setAutoCommit(false);
    try {
      long account = scalar(c, "INSERT INTO accounts (name) VALUES (?) RETURNING id", ACCOUNT);
      scalar(c, "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, ?, 'admin') RETURNING id",
          account, "Alex Morgan", ADMIN_EMAIL, hash);
      long sam = scalar(c, "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, ?, 'agent') RETURNING id",
          account, "Sam Rivera", SAM_EMAIL, hash);
      long jo = scalar(c, "INSERT INTO users (account_id, name, email, password_hash, role) VALUES (?, ?, ?, ?, 'agent') RETURNING id",
          account, "Jo Tanaka", JO_EMAIL, hash);
      long team = scalar(c, "INSERT INTO teams (account_id, name) VALUES (?, 'Support') RETURNING id", account);
      execute(c, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?), (?, ?)", team, sam, team, jo);

      channel(c, account, "whatsapp", "Demo Shop WhatsApp", WHATSAPP_ID, WABA_ID);
      channel(c, account, "messenger", "Demo Shop Page", PAGE_ID, null);
      channel(c, account, "instagram", "@demoshop", INSTAGRAM_ID, null);

      savedReply(c, account, "Greeting", "Hi! Thanks for writing to Demo Shop. How can we help you today?");
      savedReply(c, account, "Order shipped", "Good news: your order #{{order num}} has shipped and should arrive within 3 days.");
      savedReply(c, account, "Membership perks", "As a {{membership}} member you get free express shipping on this order.");

      flow(c, account, 0, "Opening hours",
          new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("hours").add("opening").add("open today")),
          new JsonArray()
              .add(new JsonObject().put("type", "reply").put("text", "We are open Monday to Saturday, 9:00 to 18:00."))
              .add(new JsonObject().put("type", "label").put("name", "asked-hours")));
      flow(c, account, 1, "Talk to a person",
          new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("agent").add("human").add("person")),
          new JsonArray()
              .add(new JsonObject().put("type", "reply").put("text", "Sure, a teammate from Support will take it from here."))
              .add(new JsonObject().put("type", "handoff").put("teamId", String.valueOf(team))));
      c.commit();
      LOG.info("seeded the demo account {} ({})", account, ACCOUNT);
      return account;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private void channel(Connection c, long account, String platform, String name, String externalId, String wabaId)
      throws SQLException {
    execute(c, """
        INSERT INTO channels (account_id, platform, name, external_id, access_token, waba_id)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, external_id) DO NOTHING""",
        account, platform, name, externalId, "demo-" + platform + "-token", wabaId);
  }

  private void savedReply(Connection c, long account, String title, String content) throws SQLException {
    execute(c, "INSERT INTO saved_replies (account_id, title, content) VALUES (?, ?, ?)", account, title, content);
  }

  private void flow(Connection c, long account, int position, String name, JsonObject trigger, JsonArray actions)
      throws SQLException {
    execute(c, "INSERT INTO flows (account_id, position, name, enabled, trigger, actions) VALUES (?, ?, ?, true, ?::jsonb, ?::jsonb)",
        account, position, name, trigger.encode(), actions.encode());
  }

  /**
   * Each customer writes through the simulator (a signed webhook, as Meta would); once the
   * gateway has stored them, the conversations get their statuses, fields and labels.
   */
  private int seedConversations(Connection c, long accountId) throws SQLException {
    Instant now = clock.instant();
    List<Future<JsonObject>> sent = new ArrayList<>();
    for (Seeded s : CONVERSATIONS) {
      Simulator.Customer customer = simulator.customer(s.platform(), s.customerId());
      // a fixed message id: a seed interrupted half-way and run again stores nothing twice
      String id = "seed-" + s.platform() + "-" + s.customerId();
      sent.add(simulator.say(customer, s.text(), id, now.minus(s.ago())));
    }
    List<JsonObject> entries = Demo.await(Future.all(sent)).list();
    long refused = entries.stream().filter(e -> !"accepted".equals(e.getString("status"))).count();
    if (refused > 0) {
      LOG.warn("the gateway refused {} of the demo's seed webhooks ({}); the demo starts without seeded conversations "
          + "and tries again at the next start", refused, entries.get(0).getString("error", "?"));
      return 0;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long stored = 0;
    while (System.nanoTime() < deadline) {
      stored = scalar(c, "SELECT count(*) FROM conversations WHERE account_id = ?", accountId);
      if (stored >= CONVERSATIONS.size()) {
        break;
      }
      sleep(100);
    }
    if (stored < CONVERSATIONS.size()) {
      LOG.warn("only {} of the {} seeded conversations were stored within 30 s; the rest keep their defaults",
          stored, CONVERSATIONS.size());
    }
    for (Seeded s : CONVERSATIONS) {
      arrange(c, accountId, s);
    }
    agentActions(c, accountId);
    return scalar(c, "SELECT count(*) FROM conversations WHERE account_id = ?", accountId).intValue();
  }

  private void arrange(Connection c, long accountId, Seeded s) throws SQLException {
    Long contact = scalar(c, """
        SELECT ct.id FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
        WHERE ct.account_id = ? AND ch.platform = ? AND ct.platform_user_id = ?""", accountId, s.platform(), s.customerId());
    if (contact == null) {
      return;
    }
    for (Map.Entry<String, String> f : s.fields().entrySet()) {
      execute(c, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          contact, accountId, f.getKey(), f.getValue());
    }
    for (String label : s.labels()) {
      execute(c, "INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          contact, accountId, label);
    }
    if ("closed".equals(s.status())) {
      return;
    }
    String assigneeType = null;
    Long assigneeId = null;
    if (s.assignee() != null) {
      String[] a = s.assignee().split(":", 2);
      assigneeType = a[0];
      assigneeId = "agent".equals(a[0])
          ? scalar(c, "SELECT id FROM users WHERE lower(email) = lower(?)", a[1])
          : scalar(c, "SELECT id FROM teams WHERE account_id = ? AND name = ?", accountId, a[1]);
    }
    Long conversation = scalar(c, "SELECT id FROM conversations WHERE contact_id = ?", contact);
    execute(c, """
        UPDATE conversations SET status = ?, assignee_type = ?, assignee_id = ?, updated_at = now() WHERE id = ?""",
        s.status(), assigneeType, assigneeId, conversation);
    execute(c, """
        INSERT INTO conversation_history (account_id, conversation_id, actor_type, from_status, to_status, to_assignee_type, to_assignee_id)
        VALUES (?, ?, 'system', 'closed', ?, ?, ?)""", accountId, conversation, s.status(), assigneeType, assigneeId);
  }

  /**
   * Contact names and a little history from the agents, through the real API (and so through the Graph
   * stand-in to the simulated customer). Skipped quietly on a build without the send API.
   */
  private void agentActions(Connection c, long accountId) throws SQLException {
    Long luis = conversationOf(c, accountId, "14155550177");
    Long dana = conversationOf(c, accountId, "14155550123");
    if (luis == null || dana == null) {
      return;
    }
    // an agent's token straight from the node's signer: the password may be from an earlier start
    long sam = scalar(c, "SELECT id FROM users WHERE lower(email) = lower(?)", SAM_EMAIL);
    String token = tokens.issue(sam, accountId, "agent", "Sam Rivera");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + config.httpPort() + "/api/v1";
    try {
      // Messenger and Instagram webhooks carry no name: ask the profile API, as an agent would
      for (Seeded seeded : CONVERSATIONS) {
        if (!"whatsapp".equals(seeded.platform())) {
          Long contact = scalar(c, "SELECT id FROM contacts WHERE account_id = ? AND platform_user_id = ?",
              accountId, seeded.customerId());
          if (contact != null) {
            post(http, base + "/contacts/" + contact + "/refresh-name", token, new JsonObject(), null, 200);
          }
        }
      }
      post(http, base + "/conversations/" + luis + "/messages", token,
          new JsonObject().put("type", "reply").put("text", "Sure! What is the new address?"), "seed-reply-luis", 201);
      post(http, base + "/conversations/" + dana + "/messages", token,
          new JsonObject().put("type", "note").put("text", "Asked the warehouse about #1042, waiting for their answer."),
          "seed-note-dana", 201);
    } catch (IOException e) {
      LOG.info("no agent replies in the seed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Long conversationOf(Connection c, long accountId, String customerId) throws SQLException {
    return scalar(c, """
        SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id
        WHERE cv.account_id = ? AND ct.platform_user_id = ?""", accountId, customerId);
  }

  private static void post(HttpClient http, String url, String token, JsonObject body, String key, int expected)
      throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (key != null) {
      req.header("Idempotency-Key", key);
    }
    HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      LOG.info("seed call {} answered {}: {}", url, r.statusCode(), r.body());
    }
  }

  private static Long scalar(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? (Long) rs.getObject(1, Long.class) : null;
      }
    }
  }

  private static void execute(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
