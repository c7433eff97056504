package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The Graph API down (503 from Meta) while agents keep replying. */
@DisplayName("The Graph API down for a while")
class GraphOutageIT {

  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static TestNode node;
  static Http http;
  static Seed.Account acme;
  static final AtomicBoolean graphUp = new AtomicBoolean(true);
  /** Texts Meta accepted, in the order it accepted them, with the recipient. */
  static final List<String[]> delivered = new CopyOnWriteArrayList<>();

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      // GRAPH_MAX_ATTEMPTS left at its default: 10 attempts from a 20 ms base span at least ~5 s
      // (at the default 500 ms base, at least ~90 s), longer than this outage
      .put("GRAPH_RETRY_BASE_MS", 20)
      .put("OUTBOUND_POLL_MS", 100)
      .put("PROCESSOR_SWEEP_MS", 200)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    graph.respond("POST", "/", c -> {
      if (!graphUp.get()) {
        return FakeGraph.Answer.json(503, new JsonObject().put("error", new JsonObject()
            .put("message", "Service temporarily unavailable").put("type", "OAuthException").put("code", 2).put("is_transient", true)));
      }
      JsonObject body = c.json();
      delivered.add(new String[] {body.getString("to"), body.getJsonObject("text").getString("body")});
      return FakeGraph.Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
          .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.out-" + UUID.randomUUID()))));
    });
    node = env.node();
    http = env.http();
    acme = Seed.account(db, "Acme");
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  @Test
  @DisplayName("replies wait while Meta answers 503, then go out once each, in order per conversation")
  void repliesWaitAndGoOutInOrder() {
    String token = node.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");
    List<String> customers = List.of("14155600001", "14155600002");
    List<Long> conversations = new ArrayList<>();
    for (String wa : customers) {
      Webhooks.Signed w = Webhooks.whatsappText(wa, "wamid.g-" + UUID.randomUUID(), "hi");
      assertThat(http.webhook("whatsapp", w.body(), w.signature()).status()).isEqualTo(200);
    }
    Await.passes(Duration.ofSeconds(20), () -> assertThat(Seed.scalar(db, "SELECT count(*) FROM conversations")).isEqualTo(2));
    for (String wa : customers) {
      conversations.add(Seed.scalar(db, "SELECT cv.id FROM conversations cv JOIN contacts c ON c.id = cv.contact_id WHERE c.platform_user_id = ?", wa));
    }

    graphUp.set(false);
    int replies = 4;
    for (int i = 1; i <= replies; i++) {
      for (long c : conversations) {
        Http.Res r = http.as(token).post("/api/v1/conversations/" + c + "/messages",
            new JsonObject().put("type", "reply").put("text", "reply " + i + " to " + c));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
      }
    }
    // Meta is refusing: the first reply of each conversation is retried, the later ones wait behind it
    Await.until("several refused attempts", Duration.ofSeconds(20), () -> graph.calls().size() >= 8);
    assertThat(delivered).isEmpty();
    assertThat(graph.calls()).allMatch(c -> c.body().contains("reply 1 to"));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE type = 'reply' AND status = 'pending'")).isEqualTo(replies * 2L);

    graphUp.set(true);
    Await.passes(Duration.ofSeconds(30), () ->
        assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE type = 'reply' AND status = 'sent'")).isEqualTo(replies * 2L));
    assertThat(delivered).hasSize(replies * 2);
    for (int k = 0; k < conversations.size(); k++) {
      long c = conversations.get(k);
      String to = customers.get(k);
      List<String> texts = delivered.stream().filter(d -> d[0].equals(to)).map(d -> d[1]).toList();
      assertThat(texts).containsExactly("reply 1 to " + c, "reply 2 to " + c, "reply 3 to " + c, "reply 4 to " + c);
    }
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE status = 'failed'")).isZero();
  }
}
