package dev.switchboard.store;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * The node's Redis client and its key namespace. Every key goes through {@link #key(String)}, so
 * several deployments (or test runs) can share one Redis without touching each other's data.
 */
public final class RedisStore {

  private final Redis client;
  private final RedisAPI api;
  private final String prefix;
  private final String url;

  public RedisStore(Vertx vertx, String url, String prefix) {
    this.url = url;
    this.prefix = prefix;
    this.client = Redis.createClient(vertx, new RedisOptions()
        .setType(RedisClientType.STANDALONE)
        .setConnectionString(url)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(10_000)
        .setMaxWaitingHandlers(100_000));
    this.api = RedisAPI.api(client);
  }

  public RedisAPI api() {
    return api;
  }

  /** The raw client, for connections that need their own handler (blocking reads). */
  public Redis client() {
    return client;
  }

  public String key(String name) {
    return prefix + name;
  }

  public String url() {
    return url;
  }

  public void close() {
    api.close();
  }
}
