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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  @Test
  @DisplayName("asked for the phone (request_contact_info), the username customer shares it: the gateway's contact gets the phone")
  void sharesPhoneWhenAsked() {
    String bsuid = Simulator.newBsuid();
    Simulator.Customer c = sim.addCustomer(new Simulator.Customer("whatsapp", WA, bsuid, "Pia Phone", "pia.phone"));
    assertThat(sim.say(c, "Hi, no number here").await().getString("status")).isEqualTo("accepted");
    Await.until("the contact keyed by the BSUID", Duration.ofSeconds(10),
        () -> Seed.scalar(db, "SELECT count(*) FROM contacts WHERE bsuid = ? AND wa_id IS NULL", bsuid) == 1);
    String text = sim.graphSend("whatsapp", WA, new JsonObject().put("messaging_product", "whatsapp").put("recipient", bsuid)
        .put("type", "text").put("text", new JsonObject().put("body", "Thanks"))).body().getJsonArray("messages").getJsonObject(0).getString("id");
    JsonObject request = Fixtures.json("send_request_whatsapp_request_contact_info.json").put("recipient", bsuid);
    Simulator.GraphAnswer asked = sim.graphSend("whatsapp", WA, request);
    assertThat(asked.status()).isEqualTo(200);
    String requestId = asked.body().getJsonArray("messages").getJsonObject(0).getString("id");
    JsonObject offered = sim.feed(0, 1000).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(e -> requestId.equals(e.getString("id"))).findFirst().orElseThrow();
    assertThat(offered.getBoolean("requestsPhone")).isTrue();
    assertThat(offered.containsKey("choices")).isFalse();

    // only an actual request can be answered this way
    assertThatThrownBy(() -> sim.sharePhone(c, text)).isInstanceOf(IllegalArgumentException.class);
    JsonObject shared = sim.sharePhone(c, requestId).await();
    assertThat(shared.getString("status")).isEqualTo("accepted");
    assertThat(shared.getString("kind")).isEqualTo("contacts");
    String phone = Simulator.phoneOf(c);
    assertThat(phone).matches("[0-9]{11}");
    Await.until("the phone on the contact", Duration.ofSeconds(10), () -> Seed.scalar(db,
        "SELECT count(*) FROM contacts WHERE bsuid = ? AND platform_user_id = ? AND wa_id = ? AND phone = ?", bsuid, bsuid, phone, phone) == 1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE bsuid = ? OR wa_id = ?", bsuid, phone)).isEqualTo(1);
    JsonObject answered = sim.feed(0, 1000).getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(e -> requestId.equals(e.getString("id"))).reduce((a, b) -> b).orElseThrow();
    assertThat(answered.getBoolean("phoneShared")).isTrue();
  }
}
