package dev.switchboard.store;

import dev.switchboard.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The event log's restart against a real Redis, as two nodes meet it: one sets the log back, the
 * other (which knows nothing of it) appends next. The restart must be marked in the log itself.
 */
@DisplayName("Event log restart: marked in Redis, whichever relay appends next")
class EventLogRestartTest {

  private Vertx vertx;
  private RedisStore redis;
  private String prefix;
  private EventLog log;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    prefix = TestNode.newRedisPrefix();
    redis = new RedisStore(vertx, TestNode.REDIS_URL, prefix);
    log = new EventLog(redis, 10_000, 10_000, 4);
  }

  @AfterEach
  void close() {
    redis.api().keys(prefix + "*").compose(keys -> {
      List<String> args = new ArrayList<>();
      keys.forEach(k -> args.add(k.toString()));
      return args.isEmpty() ? Future.succeededFuture() : redis.api().del(args);
    }).await();
    redis.close();
    vertx.close().await();
  }

  private static List<EventLog.Positioned> rows(long from, long to) {
    List<EventLog.Positioned> rows = new ArrayList<>();
    for (long pos = from; pos <= to; pos++) {
      // accounts 1..4: every partition of four holds some
      rows.add(new EventLog.Positioned(pos, 1 + pos % 4, new JsonObject().put("type", "message.created")
          .put("accountId", String.valueOf(1 + pos % 4)).put("data", new JsonObject().put("pos", pos)).encode()));
    }
    return rows;
  }

  private String newest(long account) {
    return log.newestId(account).await();
  }

  @Test
  @DisplayName("a cursor from before the restart answers gone at once, and after another relay's refill; one from after it reads on")
  void restartMarkedForEveryRelay() {
    log.relay(0, 8, rows(1, 8), null).await();
    String before = newest(1);
    assertThat(log.read(1, before, 100).await()).isEmpty();

    // node A: the database was restored under this log, so it sets the log back
    log.restartAt(0).await();
    assertThatThrownBy(() -> log.read(1, before, 100).await()).as("before anything is appended again")
        .isInstanceOf(EventLog.GoneException.class);

    // node B, which did not restart anything, refills what PostgreSQL holds
    EventLog.Relayed refilled = log.refill(0, 8, rows(1, 8), null).await();
    assertThat(refilled.appended()).isEqualTo(8);
    assertThat(refilled.last()).isEqualTo(8);
    for (long account = 1; account <= 4; account++) {
      long a = account;
      assertThatThrownBy(() -> log.read(a, before, 100).await()).as("account " + a + " after the refill")
          .isInstanceOf(EventLog.GoneException.class);
    }

    // a page that reloaded: its cursor reads on across ordinary appends, never gone again
    String after = newest(1);
    log.relay(8, 12, rows(9, 12), null).await();
    List<JsonObject> read = log.read(1, after, 100).await();
    assertThat(read).extracting(e -> e.getJsonObject("data").getLong("pos")).containsExactly(12L);
  }

  @Test
  @DisplayName("after a restart, an account with nothing appended since gets a fresh cursor that reads on, not one that answers gone")
  void freshCursorOfAQuietAccount() {
    // accounts 1 and 5 share a partition; 5 has events only before the restart
    List<EventLog.Positioned> early = new ArrayList<>(rows(1, 4));
    early.add(new EventLog.Positioned(5, 5, new JsonObject().put("type", "message.created").put("accountId", "5").encode()));
    log.relay(0, 5, early, null).await();
    String quietBefore = newest(5);

    log.restartAt(0).await();
    // only account 1's rows were retained by the restored database
    log.refill(0, 4, rows(1, 4), null).await();
    String fresh = newest(5);
    assertThat(EventLog.compareIds(fresh, quietBefore)).as("the fresh cursor is from after the restart").isPositive();
    assertThat(log.read(5, fresh, 100).await()).as("a page that reloaded reads on").isEmpty();
    assertThatThrownBy(() -> log.read(5, quietBefore, 100).await()).isInstanceOf(EventLog.GoneException.class);

    // and sees account 5's next event
    log.relay(4, 5, List.of(new EventLog.Positioned(5, 5, new JsonObject().put("type", "message.created")
        .put("accountId", "5").put("data", new JsonObject().put("pos", 5)).encode())), null).await();
    assertThat(log.read(5, fresh, 100).await()).extracting(e -> e.getJsonObject("data").getLong("pos")).containsExactly(5L);
  }

  @Test
  @DisplayName("an ordinary append on a partition with a mark never marks a restart")
  void ordinaryAppendsMarkNothing() {
    log.relay(0, 4, rows(1, 4), null).await();
    String first = newest(2);
    log.relay(4, 8, rows(5, 8), null).await();
    log.refill(8, 12, rows(9, 12), null).await();
    assertThat(log.read(2, first, 100).await()).extracting(e -> e.getJsonObject("data").getLong("pos"))
        .containsExactly(5L, 9L);
  }
}
