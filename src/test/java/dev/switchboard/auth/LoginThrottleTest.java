package dev.switchboard.auth;

import dev.switchboard.config.Config;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Password guessing is throttled across nodes; weak stored hashes are upgraded; short JWT secrets refused. */
@DisplayName("Sign-in: throttled in Redis across nodes, hashes upgraded, no short JWT secret")
class LoginThrottleTest {

  static TestDb db;
  static TestNode a;
  static TestNode b;
  static Vertx clients;
  static Http httpA;
  static Http httpB;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      // every test signs in from 127.0.0.1: the per-address limit has a test of its own
      .put("PASSWORD_ITERATIONS", 2_000).put("LOGIN_MAX_FAILURES_PER_ADDRESS", 1_000)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    a = env.node();
    b = env.anotherNode();
    clients = env.vertx();
    httpA = env.http();
    httpB = env.open(new Http(clients, b.baseUrl()));
  }


  static String hashOf(long userId) {
    try (var c = db.connect(); var ps = c.prepareStatement("SELECT password_hash FROM users WHERE id = ?")) {
      ps.setLong(1, userId);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static Http.Res login(Http http, String email, String password) {
    return http.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
  }

  @Test
  @DisplayName("five wrong passwords across two nodes lock the e-mail: 429 with Retry-After, even for the right password; others unaffected")
  void lockAcrossNodes() {
    Seed.Account acme = Seed.account(db, "Throttled");
    Seed.Account other = Seed.account(db, "Bystander");
    for (int i = 0; i < 5; i++) {
      Http.Res r = login(i % 2 == 0 ? httpA : httpB, acme.adminEmail(), "wrong-" + i);
      assertThat(r.status()).as("attempt %d", i + 1).isEqualTo(401);
    }
    Http.Res locked = login(httpB, acme.adminEmail(), acme.password());
    assertThat(locked.status()).isEqualTo(429);
    assertThat(locked.errorCode()).isEqualTo("too_many_attempts");
    assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 900L);
    // the same e-mail in other letter case, or padded with the white space sign-in trims, is the same e-mail
    assertThat(login(httpA, acme.adminEmail().toUpperCase(), acme.password()).status()).isEqualTo(429);
    for (String pad : new String[] {" ", "\t", " \t\n"}) {
      assertThat(login(httpA, pad + acme.adminEmail() + pad, acme.password()).status()).as("padded with %s", pad.replace("\t", "\\t"))
          .isEqualTo(429);
    }
    // another user from the same address still signs in
    assertThat(login(httpA, other.adminEmail(), other.password()).status()).isEqualTo(200);
    assertThat(a.registry.get("switchboard_login_throttled").counter().count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  @DisplayName("each failure past the limit locks for longer")
  void lockGrows() {
    Seed.Account acme = Seed.account(db, "Growing");
    long previous = 0;
    for (int i = 0; i < 5; i++) {
      login(httpA, acme.adminEmail(), "wrong");
    }
    // past the limit the answer is 429 at once and nothing is verified, so nothing more is counted:
    // the lock grows through the failures that reach the check, which the limiter itself records
    var throttle = new LoginThrottle(a.node.services().redis(), 5, 20, 900, null);
    for (int i = 0; i < 3; i++) {
      long lock = throttle.failed(acme.adminEmail(), "203.0.113.9").await();
      assertThat(lock).isGreaterThan(previous);
      previous = lock;
    }
    assertThat(previous).isLessThanOrEqualTo(900_000L);
  }

  @Test
  @DisplayName("failures for many e-mails from one client address lock that address, and only it")
  void addressLock() {
    var throttle = new LoginThrottle(a.node.services().redis(), 5, 3, 900, null);
    String attacker = "198.51.100." + (int) (Math.random() * 200);
    for (int i = 0; i < 2; i++) {
      assertThat(throttle.failed("victim" + i + "@example.com", attacker).await()).isZero();
    }
    assertThat(throttle.failed("victim9@example.com", attacker).await()).isPositive();
    assertThatThrownBy(() -> throttle.check("never-tried@example.com", attacker).await())
        .hasMessageContaining("too many failed sign-ins");
    throttle.check("never-tried@example.com", "192.0.2.1").await();
  }

  @Test
  @DisplayName("a right sign-in forgets the e-mail's earlier failures")
  void successResets() {
    Seed.Account acme = Seed.account(db, "Forgiven");
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 4; i++) {
        assertThat(login(httpA, acme.adminEmail(), "wrong").status()).isEqualTo(401);
      }
      assertThat(login(httpB, acme.adminEmail(), acme.password()).status()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a hash made with fewer iterations than PASSWORD_ITERATIONS is re-made at sign-in, and the password still works")
  void weakHashIsUpgraded() {
    Seed.Account acme = Seed.account(db, "Upgraded");
    String before = hashOf(acme.adminId());
    assertThat(Passwords.iterationsOf(before)).isEqualTo(1_000);
    assertThat(login(httpA, acme.adminEmail(), acme.password()).status()).isEqualTo(200);
    dev.switchboard.support.Await.until("the hash is upgraded", java.time.Duration.ofSeconds(10), () ->
        Passwords.iterationsOf(hashOf(acme.adminId())) == 2_000);
    assertThat(login(httpB, acme.adminEmail(), acme.password()).status()).isEqualTo(200);
    assertThat(login(httpB, acme.adminEmail(), "wrong").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a JWT_SECRET under 32 bytes refuses to start")
  void shortJwtSecret() {
    JsonObject base = new JsonObject().put("DATABASE_URL", db.url()).put("REDIS_URL", TestNode.REDIS_URL);
    assertThatThrownBy(() -> Config.load(null, Map.of(), base.copy().put("JWT_SECRET", "short-secret")))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("JWT_SECRET must be at least 32 bytes");
    assertThat(Config.load(null, Map.of(), base.copy().put("JWT_SECRET", "x".repeat(32))).jwtSecret()).hasSize(32);
  }
}
