package dev.switchboard.conversation;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A Messenger or Instagram customer's first message fetches their name from the profile API")
class ProfileNameHookTest {

  static final String PAGE = "361442187745120";
  static final String IG = "17841400112233445";
  static final String PSID = "7423918830164025";
  static final String IGSID = "1254477777772919";

  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject().put("PROFILE_LOOKUP", 1)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    graph.respond("GET", "/" + PSID, FakeGraph.Answer.ok("profile_response_messenger.json"));
    graph.respond("GET", "/" + IGSID, FakeGraph.Answer.ok("profile_response_instagram.json"));
    node = env.node();
    Seed.Account account = Seed.account(db, "Profiles");
    Seed.channel(db, account.accountId(), "messenger", PAGE);
    Seed.channel(db, account.accountId(), "instagram", IG);
    http = env.http();
  }

  @Test
  @DisplayName("Messenger: 'first_name last_name' becomes the platform name, asked once with the page's token")
  void messenger() throws Exception {
    assertThat(http.signedWebhook("messenger", Fixtures.bytes("messenger_text.json")).status()).isEqualTo(200);
    assertThat(eventually(() -> platformName(PSID))).isEqualTo("Peter Chang");
    assertThat(graph.calls("GET", "/" + PSID)).hasSize(1);
    FakeGraph.Call call = graph.calls("GET", "/" + PSID).get(0);
    assertThat(call.headers().get("authorization")).isEqualTo("Bearer token-" + PAGE);
    assertThat(call.query()).contains("fields=first_name%2Clast_name%2Cprofile_pic");

    // a later message from the same customer asks nothing more
    assertThat(http.signedWebhook("messenger", Fixtures.bytes("messenger_quick_reply.json")).status()).isEqualTo(200);
    eventually(() -> Seed.scalar(db, "SELECT count(*) FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.external_id = ?", PAGE) >= 2 ? true : null);
    assertThat(graph.calls("GET", "/" + PSID)).hasSize(1);
  }

  @Test
  @DisplayName("Instagram: 'name' becomes the platform name; the display name stays the business's own")
  void instagram() throws Exception {
    assertThat(http.signedWebhook("instagram", Fixtures.bytes("instagram_text.json")).status()).isEqualTo(200);
    assertThat(eventually(() -> platformName(IGSID))).isEqualTo("Mina Okafor");
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT display_name FROM contacts WHERE platform_user_id = ?")) {
      ps.setString(1, IGSID);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getString(1)).isNull();
      }
    }
  }

  static String platformName(String userId) {
    try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT platform_name FROM contacts WHERE platform_user_id = ?")) {
      ps.setString(1, userId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls until the supplier answers non-null, for at most 10 s. */
  static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    return Await.value("condition", Duration.ofSeconds(10), probe);
  }
}
