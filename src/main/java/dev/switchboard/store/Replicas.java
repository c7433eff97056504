package dev.switchboard.store;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the inbox's reads go: the read pool ({@code DATABASE_READ_URL}, hot standbys) unless the
 * caller changed something in the last {@code READ_YOUR_WRITES_MS}, then the primary, so an agent
 * sees their own change at once. A caller's last write is kept in this node's memory and in Redis
 * with that time to live, so the next request finds it whichever node the balancer picks.
 * Without a read URL every read goes to the primary and nothing is recorded.
 */
public final class Replicas {

  /** How often the standby's lag is read for the gauge. */
  static final long LAG_POLL_MS = 1_000;

  private final Pool primary;
  private final Pool reads;
  private final RedisStore redis;
  private final long windowMs;
  private final Map<String, Long> recent = new ConcurrentHashMap<>();
  private final AtomicReference<Double> lag = new AtomicReference<>(Double.NaN);
  private Vertx vertx;
  private long lagTimer = -1;

  private Replicas(Pool primary, Pool reads, RedisStore redis, long windowMs) {
    this.primary = primary;
    this.reads = reads;
    this.redis = redis;
    this.windowMs = windowMs;
  }

  /** Every read on the primary. */
  public static Replicas none(Pool primary) {
    return new Replicas(primary, null, null, 0);
  }

  /**
   * Reads from {@code readUrl}'s hosts (a pool of {@code poolSize}), the caller's own recent
   * writes from {@code primary}; meters the lag as {@code switchboard_db_replica_lag_seconds}.
   */
  public static Replicas of(Vertx vertx, Pool primary, String readUrl, int poolSize, RedisStore redis, long windowMs,
                            MeterRegistry metrics) {
    Replicas r = new Replicas(primary, Db.pool(vertx, readUrl, poolSize, PgHosts.Want.PREFER_STANDBY), redis, windowMs);
    r.vertx = vertx;
    Gauge.builder("switchboard_db_replica_lag_seconds", r.lag, AtomicReference::get)
        .description("how far the read pool's server is behind the primary (0 when it has replayed all it received, NaN when unknown)")
        .register(metrics);
    r.lagTimer = vertx.setPeriodic(LAG_POLL_MS, id -> {
      r.readLag();
      r.forgetOld();
    });
    return r;
  }

  public boolean enabled() {
    return reads != null;
  }

  /** The read pool, or the primary without one. */
  public Pool readPool() {
    return reads == null ? primary : reads;
  }

  /**
   * The pool for {@code caller}'s next read: the primary when they wrote within the window (on
   * any node), else the read pool. Redis unreachable: the primary, the safe answer.
   */
  public Future<Pool> forCaller(String caller) {
    if (reads == null) {
      return Future.succeededFuture(primary);
    }
    Long at = recent.get(caller);
    if (at != null && System.currentTimeMillis() - at < windowMs) {
      return Future.succeededFuture(primary);
    }
    if (at != null) {
      recent.remove(caller, at);
    }
    return redis.api().exists(List.of(key(caller)))
        .map(r -> r != null && r.toInteger() > 0 ? primary : reads)
        .otherwise(primary);
  }

  /** Marks past the window, of callers who wrote and did not read since. */
  private void forgetOld() {
    long now = System.currentTimeMillis();
    recent.values().removeIf(at -> now - at >= windowMs);
  }

  /** {@code caller} changed something now: their reads go to the primary for the window. */
  public Future<Void> wrote(String caller) {
    if (reads == null || windowMs <= 0) {
      return Future.succeededFuture();
    }
    recent.put(caller, System.currentTimeMillis());
    return redis.api().set(List.of(key(caller), "1", "PX", String.valueOf(windowMs)))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private String key(String caller) {
    return redis.key("rw:" + caller);
  }

  /**
   * Standby lag as PostgreSQL's replay sees it: 0 when everything received is replayed (an idle
   * primary sends nothing, which is not lag), else the age of the last replayed transaction.
   */
  private void readLag() {
    reads.query("""
            SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
                        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8""")
        .execute()
        .onSuccess(rows -> {
          Row r = rows.iterator().next();
          lag.set(r.getDouble(0));
        })
        .onFailure(err -> lag.set(Double.NaN));
  }

  public Future<Void> close() {
    if (lagTimer >= 0) {
      vertx.cancelTimer(lagTimer);
    }
    return reads == null ? Future.succeededFuture() : reads.close();
  }

}
