package dev.switchboard.inbox.live;

import dev.switchboard.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** One partition: its last id handed on, the newest id rung, and the shard connection that reads it. */
final class ShardPartition implements EventFanoutVerticle.PartitionReader {

  private static final Logger LOG = LoggerFactory.getLogger(ShardReaders.class);

  private final ShardReaders readers;
  final int k;
  final String key;
  final String channel;
  final int slot;
  ShardReaders.Shard owner;
  private String lastId;
  /** The newest id a ring named that is not handed on yet. */
  private String rung;
  private int chases;
  private long chaseTimer = -1;
  private boolean inFlight;
  private boolean again;
  private boolean dropped;
  private long backoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
  private long readBackoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
  private long readRetry = -1;

  ShardPartition(ShardReaders readers, int k) {
    this.readers = readers;
    this.k = k;
    this.key = readers.events.streamKey(k);
    this.channel = readers.events.bellChannel(k);
    this.slot = ClusterSlots.slot(key);
  }

  @Override
  public Future<Void> start(boolean lookback) {
    Future<String> where = lookback
        ? readers.redis.api().time().map(r -> {
          long nowMs = r.get(0).toLong() * 1000 + r.get(1).toLong() / 1000;
          return Math.max(0, nowMs - EventFanoutVerticle.START_LOOKBACK_MS) + "-0";
        })
        : readers.redis.replicaRead(api -> api.xrevrange(List.of(key, "+", "-", "COUNT", "1"))).map(r -> {
          List<io.vertx.core.json.JsonObject> newest = EventLog.parseEntries(r);
          return newest.isEmpty() ? "0-0" : newest.get(0).getString("id");
        });
    Promise<Void> started = Promise.promise();
    where.timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> readers.context.runOnContext(v -> {
      if (ar.failed()) {
        started.fail(ar.cause());
        return;
      }
      if (!dropped && !readers.closed) {
        lastId = ar.result();
        LOG.debug("event fan-out reading {} after {} (by doorbell)", key, lastId);
        readers.byChannel.put(channel, this);
        readers.reconcile();
      }
      started.complete();
    }));
    return started.future();
  }

  @Override
  public Future<Void> close() {
    dropped = true;
    readers.byChannel.remove(channel, this);
    if (chaseTimer != -1) {
      readers.vertx.cancelTimer(chaseTimer);
    }
    if (readRetry != -1) {
      readers.vertx.cancelTimer(readRetry);
    }
    if (owner != null) {
      owner.drop(this);
    }
    return Future.succeededFuture();
  }

  @Override
  public void retry(Throwable err) {
    if (dropped || readers.closed) {
      return;
    }
    LOG.warn("event fan-out: starting partition {} failed ({}); trying again in {} ms", k, err.toString(), backoffMs);
    long delay = backoffMs;
    backoffMs = Math.min(EventFanoutVerticle.BACKOFF_MAX_MS, backoffMs * 2);
    readers.vertx.setTimer(delay, t -> {
      if (!dropped && !readers.closed) {
        start(true).onFailure(e -> readers.context.runOnContext(v -> retry(e)));
      }
    });
  }

  void ring(String id) {
    if (lastId != null && EventLog.compareIds(lastId, id) >= 0) {
      return;
    }
    if (rung == null || EventLog.compareIds(id, rung) > 0) {
      rung = id;
      chases = 0;
    }
    read();
  }

  // One read in flight; a ring meanwhile reads again after it (the events stay in id order).
  void read() {
    if (dropped || readers.closed || lastId == null || readRetry != -1) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    readers.fanout.countRead();
    // a replica when the shard has one (the cluster client reads a slot's master only without one)
    readers.redis.replicas().xread(List.of("COUNT", String.valueOf(readers.batch), "STREAMS", key, lastId))
        .timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> readers.context.runOnContext(v -> {
          inFlight = false;
          if (dropped || readers.closed) {
            // stopped meanwhile (no socket holds the partition, or the node stops): a new reader hands these on
            return;
          }
          if (ar.failed()) {
            failed(ar.cause());
            return;
          }
          readBackoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
          Response entries = EventFanoutVerticle.entries(ar.result(), key);
          lastId = readers.fanout.publish(entries, lastId);
          if (rung != null && EventLog.compareIds(lastId, rung) >= 0) {
            rung = null;
          }
          if (again || (entries != null && entries.size() >= readers.batch)) {
            read();
          } else if (rung != null) {
            chase();
          }
        }));
  }

  // A failed read (a failover under way) is tried again with backoff, from the same id.
  private void failed(Throwable err) {
    if (dropped || readers.closed) {
      return;
    }
    LOG.warn("event fan-out: reading {} failed ({}); again in {} ms, after {}", key, err.toString(), readBackoffMs, lastId);
    readers.fanout.countReconnect();
    long delay = readBackoffMs;
    readBackoffMs = Math.min(ShardReaders.BACKOFF_MAX_MS, readBackoffMs * 2);
    readRetry = readers.vertx.setTimer(delay, t -> {
      readRetry = -1;
      read();
    });
  }

  // The replica heard the ring before it holds the event: read again shortly, a few times.
  private void chase() {
    if (chaseTimer != -1) {
      return;
    }
    if (chases >= ShardReaders.CHASES) {
      LOG.debug("event fan-out: {} not at {} after {} reads; the safety poll reads it", key, rung, chases);
      rung = null;
      return;
    }
    chaseTimer = readers.vertx.setTimer(1L << chases++, t -> {
      chaseTimer = -1;
      read();
    });
  }
}
