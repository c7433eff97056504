package dev.switchboard.demo;

import dev.switchboard.support.Await;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The demo simulator plays a WhatsApp customer known only by username: a BSUID, no phone")
class SimulatorUsernameTest {

  static final String WA = "118812345678901";
  @TempDir
  static Path dir;
  static TestDb db;
  static TestNode node;
  static Simulator sim;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    node = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject().put("PROCESSOR_SWEEP_MS", 200));
    Seed.Account account = Seed.account(db, "Sim");
    Seed.channel(db, account.accountId(), "whatsapp", WA);
    sim = new Simulator(node.vertx, node.baseUrl(), Fixtures.APP_SECRET, Clock.systemUTC(), Duration.ofMillis(50),
        Duration.ofMillis(100), dir.resolve("sim.json"));
  }

  @AfterAll
  static void stop() {
    node.close();
    db.drop();
  }

  @Test
  @DisplayName("its message reaches the gateway as from_user_id with the username; replies to its BSUID are answered like Graph; a BSUID in 'to' is refused")
  void usernameCustomer() {
    String bsuid = Simulator.newBsuid();
    Simulator.Customer c = sim.addCustomer(new Simulator.Customer("whatsapp", WA, bsuid, "Una User", "una.user"));
    assertThat(c.usernameOnly()).isTrue();
    JsonObject said = sim.say(c, "Hello from a username").await();
    assertThat(said.getString("status")).isEqualTo("accepted");
    long contacts = Await.value("the contact keyed by the BSUID", Duration.ofSeconds(10), () -> {
      long n = Seed.scalar(db, "SELECT count(*) FROM contacts WHERE bsuid = ? AND platform_user_id = ? AND wa_id IS NULL "
          + "AND username = 'una.user' AND platform_name = 'Una User'", bsuid, bsuid);
      return n == 1 ? n : null;
    });
    assertThat(contacts).isEqualTo(1);

    Simulator.GraphAnswer ok = sim.graphSend("whatsapp", WA, new JsonObject().put("messaging_product", "whatsapp")
        .put("recipient", bsuid).put("type", "text").put("text", new JsonObject().put("body", "Hi Una")));
    assertThat(ok.status()).isEqualTo(200);
    JsonObject contact = ok.body().getJsonArray("contacts").getJsonObject(0);
    assertThat(contact.getString("user_id")).isEqualTo(bsuid);
    assertThat(contact.containsKey("wa_id")).isFalse();
    Simulator.GraphAnswer wrong = sim.graphSend("whatsapp", WA, new JsonObject().put("messaging_product", "whatsapp")
        .put("to", bsuid).put("type", "text").put("text", new JsonObject().put("body", "Hi")));
    assertThat(wrong.status()).isEqualTo(400);
  }
}
