package dev.switchboard.app;

import dev.switchboard.inbox.live.LiveBridge;
import dev.switchboard.store.Bus;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's {@code accounts} command, run in-process against the test database and Redis, with two nodes watching. */
@DisplayName("accounts create|list|disable|enable against the configured database")
class AccountsCommandTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().build();

  static TestDb db;
  static Http http;
  static Http other;

  @BeforeAll
  static void start() {
    db = env.db();
    http = env.http();
    other = env.open(new Http(env.vertx(), env.anotherNode().baseUrl()));
  }

  record Run(int code, String out, String err) {
  }

  static Run accounts(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> environment = Map.of("DATABASE_URL", db.url(), "REDIS_URL", TestNode.REDIS_URL,
        "REDIS_PREFIX", env.redisPrefix(), "JWT_SECRET", TestNode.JWT_SECRET, "PASSWORD_ITERATIONS", "1000");
    int code = AccountsCommand.run(args, environment, null, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Http.Res login(Http on, String email, String password) {
    return on.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
  }

  @Test
  @DisplayName("create prints a generated password once, which signs in; a given password is not printed; an e-mail in use is refused naming no account")
  void create() {
    Run r = accounts("create", "--name", "Globex Corp", "--admin-email", "boss@globex.test");
    assertThat(r.code()).as(r.err()).isZero();
    Matcher m = Pattern.compile("admin password: (\\S+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    Http.Res signedIn = login(http, "boss@globex.test", m.group(1));
    assertThat(signedIn.status()).isEqualTo(200);
    assertThat(signedIn.json().getJsonObject("user").getString("role")).isEqualTo("admin");
    assertThat(Seed.strings(db, "SELECT name FROM accounts WHERE id = ?",
        Long.parseLong(signedIn.json().getJsonObject("user").getString("accountId")))).containsExactly("Globex Corp");

    Run given = accounts("create", "--name", "Initech", "--admin-email", "lumbergh@initech.test", "--admin-password", "tps-reports-1");
    assertThat(given.code()).isZero();
    assertThat(given.out()).doesNotContain("tps-reports-1").doesNotContain("admin password");
    assertThat(login(http, "lumbergh@initech.test", "tps-reports-1").status()).isEqualTo(200);

    Run taken = accounts("create", "--name", "Copycat", "--admin-email", "BOSS@globex.test");
    assertThat(taken.code()).isEqualTo(1);
    assertThat(taken.err()).contains("email").doesNotContain("Globex");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM accounts WHERE name = 'Copycat'")).isZero();
  }

  @Test
  @DisplayName("list shows id, status, channels and active people of every account")
  void list() {
    Seed.Account acme = Seed.account(db, "Listed Co");
    Seed.user(db, acme.accountId(), "Agent", "agent@listed.test", "agent-password", "agent");
    Seed.channel(db, acme.accountId(), "messenger", "4400123");
    Run r = accounts("list");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("ID");
    assertThat(r.out()).containsPattern("(?m)^" + acme.accountId() + "\\s+active\\s+1\\s+2\\s+Listed Co$");
  }

  @Test
  @DisplayName("bad usage exits 2 with the usage; an unknown id exits 1")
  void usage() {
    assertThat(accounts().code()).isEqualTo(2);
    Run unknown = accounts("frobnicate");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown command").contains("usage:");
    assertThat(accounts("disable").err()).contains("--id is required");
    assertThat(accounts("disable", "--id", "12x").code()).isEqualTo(2);
    assertThat(accounts("create", "--name", "X", "--admin-email", "not-an-email").code()).isEqualTo(2);
    Run missing = accounts("disable", "--id", "987654321");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("account 987654321 not found");
    assertThat(AccountsCommand.run(new String[] {"list"}, Map.of(), null, System.out, new PrintStream(new ByteArrayOutputStream())))
        .as("no DATABASE_URL").isEqualTo(2);
  }

  @Test
  @DisplayName("disable: sessions end on both nodes within a second, sign-in and refresh refused, webhooks stored but held; enable processes them")
  void disableAndEnable() {
    Seed.Account acme = Seed.account(db, "Disabled Co");
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
    Seed.Account bystander = Seed.account(db, "Bystander Co");
    Seed.channel(db, bystander.accountId(), "messenger", Webhooks.PAGE_ID);
    Http.Res session = login(http, acme.adminEmail(), acme.password());
    String token = session.json().getString("token");
    String refresh = session.json().getString("refreshToken");
    String bystanderToken = http.login(bystander.adminEmail(), bystander.password());
    assertThat(http.as(token).get("/api/v1/channels").status()).isEqualTo(200);
    assertThat(other.as(token).get("/api/v1/channels").status()).isEqualTo(200);
    String key = http.as(token).post("/api/v1/api-keys", new JsonObject().put("name", "CRM")
        .put("scopes", new io.vertx.core.json.JsonArray().add("read"))).json().getString("secret");
    // both nodes hold a copy of the key now; the disabling must not wait for the copies to expire
    assertThat(http.as(key).get("/api/v1/channels").status()).isEqualTo(200);
    assertThat(other.as(key).get("/api/v1/channels").status()).isEqualTo(200);
    String address = Bus.accountAddress(acme.accountId());
    try (BridgeClient socket = BridgeClient.connect(env.vertx(), env.node().port())) {
      socket.register(address, token);
      socket.awaitRegistered(env.node(), address);

      Run disabled = accounts("disable", "--id", String.valueOf(acme.accountId()));
      assertThat(disabled.code()).as(disabled.err()).isZero();
      assertThat(disabled.out()).contains("disabled");
      assertThat(http.as(key).get("/api/v1/channels").status()).as("the key, at once").isEqualTo(401);
      assertThat(other.as(key).get("/api/v1/channels").status()).as("the key on the other node, at once").isEqualTo(401);
      Await.until("the token is refused on both nodes", Duration.ofSeconds(1),
          () -> http.as(token).get("/api/v1/channels").status() == 401 && other.as(token).get("/api/v1/channels").status() == 401);
      socket.awaitClosed(Duration.ofSeconds(3));
      assertThat(socket.closeCode).isEqualTo((short) LiveBridge.CLOSE_SESSION_ENDED);
    }
    Http.Res relogin = login(other, acme.adminEmail(), acme.password());
    assertThat(relogin.status()).isEqualTo(401);
    assertThat(relogin.text()).doesNotContain("disabled");
    assertThat(http.post("/api/v1/auth/refresh", new JsonObject().put("refreshToken", refresh)).status()).isEqualTo(401);
    assertThat(http.as(bystanderToken).get("/api/v1/channels").status()).isEqualTo(200);
    assertThat(accounts("list").out()).containsPattern("(?m)^" + acme.accountId() + "\\s+disabled\\s");
    assertThat(accounts("disable", "--id", String.valueOf(acme.accountId())).err()).contains("already disabled");

    // its webhook is answered 200 and kept raw, but not processed; the other account's is
    String wamid = Webhooks.wamid();
    Webhooks.Signed w = Webhooks.whatsappText("15550009999", wamid, "are you there?");
    assertThat(http.webhook("whatsapp", w.body(), w.signature()).status()).isEqualTo(200);
    Webhooks.socialText(http, "messenger", "7700112233", "hello from a bystander");
    Await.until("the bystander's message is stored", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.account_id = ?",
            bystander.accountId()) == 1);
    Await.until("the held entry is a dead letter", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM dead_letters WHERE reason = 'account_disabled' AND external_id = ?",
            Webhooks.WA_PHONE_NUMBER_ID) == 1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", wamid)).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM raw_events WHERE body LIKE ?", "%" + wamid + "%")).isEqualTo(1);

    Run enabled = accounts("enable", "--id", String.valueOf(acme.accountId()));
    assertThat(enabled.code()).as(enabled.err()).isZero();
    assertThat(enabled.out()).contains("1 held webhooks queued");
    Await.until("the held message is processed", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", wamid) == 1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM dead_letters WHERE reason = 'account_disabled'")).isZero();
    assertThat(login(http, acme.adminEmail(), acme.password()).status()).isEqualTo(200);
    // a key is not a session: it works again with its account
    assertThat(other.as(key).get("/api/v1/channels").status()).isEqualTo(200);
    // the old token stays dead: enabling does not bring back sessions that were ended
    assertThat(http.as(token).get("/api/v1/channels").status()).isEqualTo(401);
  }
}
