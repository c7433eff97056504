package dev.switchboard.events;

import dev.switchboard.store.EventLog;
import dev.switchboard.support.Await;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A relay that stops mid-burst leaves no position it claimed out of the log")
class RelayStopTest {

  // no node of the class's own: no other relay may append (or refill) what the stopping one claimed
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  @Test
  @DisplayName("stop() while claims and appends overlap (3 rows a claim): every position handed out is in every partition's mark, three stops in a row")
  void stopWaitsForTheLastAppend() {
    long account = env.account().accountId();
    RedisAPI redis = RedisAPI.api(Redis.createClient(env.vertx(), TestNode.REDIS_URL));
    try {
      // what a stop leaves unappended depends on where the rounds are at that instant: three tries
      for (int round = 0; round < 3; round++) {
        stopMidBurst(account, redis, round);
      }
    } finally {
      redis.close();
    }
  }

  private static void stopMidBurst(long account, RedisAPI redis, int round) {
    // a poll of a minute: this relay appends only what its own rounds claim, never by a check
    JsonObject settings = new JsonObject().put("RELAY_BATCH", 3).put("RELAY_POLL_MS", 60_000)
        .put("OUTBOX_PRUNE_MS", 3_600_000).put("OUTBOX_RETENTION_MS", 3_600_000);
    long before = Seed.scalar(env.db(), "SELECT last_pos FROM event_relay WHERE id = 1");
    TestNode node = TestNode.start(env.db(), env.redisPrefix(), settings);
    EventLog log = node.node.services().events();
    List<String> marks = new ArrayList<>();
    for (int k = 0; k < log.partitions(); k++) {
      marks.add(log.positionKey(k));
    }
    var tx = node.node.transactions();
    for (int i = 0; i < 600; i++) {
      String m = "stop-" + round + "-" + i;
      // not awaited: the burst is still committing when the node stops
      tx.run(t -> {
        t.add(Event.channelUpdated(account, new JsonObject().put("marker", m)));
        return Future.succeededFuture();
      });
    }
    Await.until("a third of the burst positioned", Duration.ofSeconds(20),
        () -> Seed.scalar(env.db(), "SELECT last_pos FROM event_relay WHERE id = 1") >= before + 200);
    node.close();

    long handedOut = Seed.scalar(env.db(), "SELECT last_pos FROM event_relay WHERE id = 1");
    List<Long> held = new ArrayList<>();
    for (String key : marks) {
      Response r = redis.get(key).await();
      held.add(r == null ? 0L : r.toLong());
    }
    assertThat(held).as("stop %d: each partition's mark, against the %d positions handed out", round + 1, handedOut)
        .allSatisfy(mark -> assertThat(mark).isEqualTo(handedOut));
  }
}
