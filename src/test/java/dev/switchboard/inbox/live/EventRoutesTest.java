package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import dev.switchboard.store.EventLog;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static dev.switchboard.inbox.live.LiveSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("GET /api/v1/events replays an account's events after an id, oldest first")
class EventRoutesTest {

  static TestDb db;
  static TestNode node;
  static Http http;
  static Seed.Account acme;
  static Seed.Account globex;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
    acme = Seed.account(db, "Acme");
    globex = Seed.account(db, "Globex");
  }

  static EventLog log() {
    return node.node.services().events();
  }

  static List<String> appendMany(Seed.Account a, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(log().append(a.accountId(), Bus.CONVERSATION_UPDATED, 7L, new JsonObject().put("n", i)).await().getString("id"));
    }
    return ids;
  }

  static List<String> ids(JsonArray items) {
    return items.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  @Test
  @DisplayName("events after an id come oldest first in the event shape, only the caller's account, with limit and nextCursor")
  void replaysAfterAnId() {
    Http me = http.as(token(node, acme.adminId(), acme.accountId()));
    List<String> ids = appendMany(acme, 5);
    appendMany(globex, 2);

    Http.Res all = me.get("/api/v1/events?after=" + ids.get(0));
    assertThat(all.status()).isEqualTo(200);
    assertThat(ids(all.items())).containsExactlyElementsOf(ids.subList(1, 5));
    JsonObject first = all.items().getJsonObject(0);
    assertThat(first.fieldNames()).contains("id", "type", "accountId", "conversationId", "data");
    assertThat(first.getString("type")).isEqualTo("conversation.updated");
    assertThat(first.getString("accountId")).isEqualTo(String.valueOf(acme.accountId()));
    assertThat(first.getString("conversationId")).isEqualTo("7");
    assertThat(first.getJsonObject("data").getInteger("n")).isEqualTo(1);
    assertThat(all.json().getString("nextCursor")).isNull();
    assertThat(all.json().getString("lastId")).isEqualTo(ids.get(4));

    Http.Res page = me.get("/api/v1/events?after=" + ids.get(0) + "&limit=2");
    assertThat(ids(page.items())).containsExactly(ids.get(1), ids.get(2));
    assertThat(page.json().getString("nextCursor")).isEqualTo(ids.get(2));
    Http.Res rest = me.get("/api/v1/events?after=" + page.json().getString("nextCursor") + "&limit=2");
    assertThat(ids(rest.items())).containsExactly(ids.get(3), ids.get(4));

    Http.Res none = me.get("/api/v1/events?after=" + ids.get(4));
    assertThat(none.items()).isEmpty();
    assertThat(none.json().getString("nextCursor")).isNull();
  }

  @Test
  @DisplayName("a malformed id or limit answers 400; no token answers 401")
  void badInput() {
    Http me = http.as(token(node, acme.adminId(), acme.accountId()));
    for (String bad : List.of("abc", "12-x", "-1", "1-2-3", "1700000000000-0x", "1-")) {
      Http.Res r = me.get("/api/v1/events?after=" + bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_field");
    }
    assertThat(me.get("/api/v1/events?limit=0").status()).isEqualTo(400);
    assertThat(me.get("/api/v1/events?limit=ten").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/events").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("an id older than what the log retains answers 410 events_gone; a retained one still replays")
  void goneAfterTrimming() {
    Seed.Account initech = Seed.account(db, "Initech");
    Http me = http.as(token(node, initech.adminId(), initech.accountId()));
    List<String> ids = appendMany(initech, 6);
    // XADD trims lazily (MAXLEN ~); trim exactly so the test knows what is gone.
    node.node.services().redis().api()
        .xtrim(List.of(log().accountKey(initech.accountId()), "MAXLEN", "3")).await();

    Http.Res gone = me.get("/api/v1/events?after=" + ids.get(1));
    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.errorCode()).isEqualTo("events_gone");
    assertThat(me.get("/api/v1/events?after=0-0").status()).isEqualTo(410);

    Http.Res kept = me.get("/api/v1/events?after=" + ids.get(3));
    assertThat(kept.status()).isEqualTo(200);
    assertThat(ids(kept.items())).containsExactlyElementsOf(ids.subList(4, 6));
  }
}
