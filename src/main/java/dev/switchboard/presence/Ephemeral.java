package dev.switchboard.presence;

import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Live events that are never stored: {@code agent.presence}, {@code conversation.viewing},
 * {@code conversation.typing}. They go out on one Redis pub/sub channel that every node
 * subscribes to (inbox.live.EphemeralVerticle) and straight to the account's bridge sockets. They
 * carry no {@code id}, are not in {@code GET /events} and are not replayed: a page that reconnects
 * reloads the agents' list instead. Everything that changes PostgreSQL goes through the outbox.
 */
public final class Ephemeral {

  private Ephemeral() {
  }

  /** The pub/sub channel's name (with the deployment's key prefix). */
  public static String channel(RedisStore redis) {
    return redis.key("ephemeral");
  }

  /** Publishes one event; it must name its {@code accountId} (a string, as stored events do). */
  public static Future<Void> publish(RedisStore redis, JsonObject event) {
    if (!(event.getValue("accountId") instanceof String)) {
      throw new IllegalArgumentException("an ephemeral event names its account");
    }
    return redis.api().publish(channel(redis), event.encode()).mapEmpty();
  }
}
