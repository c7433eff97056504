package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The node's Redis client and its key namespace. Every key goes through {@link #key(String)}, so
 * several deployments (or test runs) can share one Redis without touching each other's data.
 *
 * <p>Redis is one server ({@code standalone}), a master found through Sentinel ({@code sentinel},
 * the client follows a failover on its own) or a Redis Cluster ({@code cluster}). Keys that one
 * script or transaction touches together share a hash tag ({@code {...}}), so they live in one slot.
 */
public final class RedisStore {

  /** How Redis is reached: the mode, one or more endpoints, and Sentinel's master name. */
  public record Setup(String mode, String urls, String masterName) {

    public static Setup standalone(String url) {
      return new Setup("standalone", url, null);
    }

    public boolean standalone() {
      return !"sentinel".equals(mode) && !"cluster".equals(mode);
    }

    public List<String> endpoints() {
      List<String> out = new ArrayList<>();
      for (String part : urls.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }

    /**
     * Client options for this setup. {@code replicaReads}: read-only commands go to replicas when
     * there are any (the live readers: what they see has reached a replica, so a promoted replica
     * holds every event a client was shown).
     */
    public RedisOptions options(int poolSize, boolean replicaReads) {
      RedisOptions o = new RedisOptions()
          .setEndpoints(endpoints())
          .setMaxPoolSize(poolSize)
          .setMaxPoolWaiting(10_000)
          .setMaxWaitingHandlers(100_000);
      switch (mode == null ? "standalone" : mode) {
        case "sentinel" -> o.setType(RedisClientType.SENTINEL)
            .setMasterName(masterName)
            .setRole(replicaReads ? RedisRole.REPLICA : RedisRole.MASTER)
            .setAutoFailover(!replicaReads);
        case "cluster" -> o.setType(RedisClientType.CLUSTER)
            .setUseReplicas(replicaReads ? RedisReplicas.ALWAYS : RedisReplicas.NEVER)
            // a failover moves slots: the map is fetched again soon after
            .setHashSlotCacheTTL(1_000);
        default -> o.setType(RedisClientType.STANDALONE);
      }
      return o;
    }
  }

  private final Redis client;
  private final RedisAPI api;
  private final Redis replicaClient;
  private final RedisAPI replicaApi;
  private final String prefix;
  private final Setup setup;

  public RedisStore(Vertx vertx, String url, String prefix) {
    this(vertx, Setup.standalone(url), prefix);
  }

  public RedisStore(Vertx vertx, Setup setup, String prefix) {
    this.setup = setup;
    this.prefix = prefix;
    this.client = create(vertx, setup, 16, false);
    this.api = RedisAPI.api(client);
    this.replicaClient = setup.standalone() ? client : create(vertx, setup, 4, true);
    this.replicaApi = setup.standalone() ? api : RedisAPI.api(replicaClient);
  }

  private static Redis create(Vertx vertx, Setup setup, int poolSize, boolean replicaReads) {
    Redis pooled = Redis.createClient(vertx, setup.options(poolSize, replicaReads));
    return "cluster".equals(setup.mode()) ? new HeldConnection(pooled) : pooled;
  }

  /**
   * A read of what the live readers see: from a replica when there are replicas (see
   * {@code EventFanoutVerticle}), from the master when no replica answers.
   */
  public <T> Future<T> replicaRead(Function<RedisAPI, Future<T>> read) {
    if (replicaApi == api) {
      return read.apply(api);
    }
    return read.apply(replicaApi).recover(err -> err instanceof EventLog.GoneException ? Future.failedFuture(err) : read.apply(api));
  }

  public RedisAPI api() {
    return api;
  }

  /** The replica reads' client without a fall-back to the master (the live readers keep to replicas). */
  public RedisAPI replicas() {
    return replicaApi;
  }

  /**
   * The values of several keys, in their order (null for a missing one). One MGET, except on a
   * Redis Cluster where keys of different slots cannot share a command: one GET each, sent together.
   */
  public Future<List<Response>> getAll(List<String> keys) {
    if (!"cluster".equals(setup.mode())) {
      return api.mget(keys).map(r -> {
        List<Response> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
          out.add(r.get(i));
        }
        return out;
      });
    }
    List<Future<Response>> gets = new ArrayList<>(keys.size());
    for (String k : keys) {
      gets.add(api.get(k));
    }
    return Future.all(gets).map(all -> {
      List<Response> out = new ArrayList<>(keys.size());
      for (Future<Response> g : gets) {
        out.add(g.result());
      }
      return out;
    });
  }

  public String key(String name) {
    return prefix + name;
  }

  /** The first endpoint (for messages and tools that name one server). */
  public String url() {
    return setup.endpoints().get(0);
  }

  public Setup setup() {
    return setup;
  }

  public void close() {
    if (replicaApi != api) {
      replicaApi.close();
    }
    api.close();
  }
}
