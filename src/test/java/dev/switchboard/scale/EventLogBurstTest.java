package dev.switchboard.scale;

import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The event log under a processor-sized burst")
class EventLogBurstTest {

  @Test
  @DisplayName("appending 15,000 events at once (a batch of thousands of messages) logs every one of them")
  void burstIsFullyLogged() {
    Vertx vertx = Vertx.vertx();
    String prefix = TestNode.newRedisPrefix();
    RedisStore redis = new RedisStore(vertx, TestNode.REDIS_URL, prefix);
    try {
      EventLog log = new EventLog(redis, 1_000_000, 100_000, 16);
      List<EventLog.Pending> burst = new ArrayList<>();
      for (int i = 0; i < 15_000; i++) {
        burst.add(new EventLog.Pending(7L, "message.created", (long) i, new JsonObject().put("n", i)));
      }
      List<JsonObject> appended = log.appendAll(burst).await();
      assertThat(appended).hasSize(15_000);
      assertThat(redis.api().xlen(log.accountKey(7)).await().toLong()).isEqualTo(15_000L);
    } finally {
      redis.api().keys(prefix + "*").compose(keys -> {
        List<String> args = new ArrayList<>();
        keys.forEach(k -> args.add(k.toString()));
        return args.isEmpty() ? io.vertx.core.Future.succeededFuture() : redis.api().del(args);
      }).await();
      redis.close();
      vertx.close().await();
    }
  }
}
