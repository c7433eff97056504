package dev.switchboard.inbox.live;

import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** One partition's reader: its own client and connection, and the last id it handed on. */
final class BlockingReader implements EventFanoutVerticle.PartitionReader {

  private static final Logger LOG = LoggerFactory.getLogger(EventFanoutVerticle.class);

  private final EventFanoutVerticle fanout;
  private final Vertx vertx;
  private final Context context;
  private final RedisStore redis;
  private final String name;
  private final int batch;
  private final int blockMs;
  private final boolean heldOnly;
  private final int partition;
  private final String key;
  private Redis client;
  private RedisConnection conn;
  private String lastId;
  private long backoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
  /** When the reader lost Redis (0: reading), to log how long it was away. */
  private long lostAt;
  private volatile boolean closed;
  /** Sentinel: read the replica (when there is one); after a failure the master is tried, and back. */
  private boolean replica;

  BlockingReader(EventFanoutVerticle fanout, Vertx vertx, Context context, RedisStore redis, String key, int partition,
                 String name, int batch, int blockMs, boolean heldOnly) {
    this.fanout = fanout;
    this.vertx = vertx;
    this.context = context;
    this.redis = redis;
    this.partition = partition;
    this.key = key;
    this.name = name;
    this.batch = batch;
    this.blockMs = blockMs;
    this.heldOnly = heldOnly;
    this.replica = !redis.setup().standalone();
  }

  /**
   * Resolves where reading starts, then reads. {@code lookback}: {@link EventFanoutVerticle#START_LOOKBACK_MS}
   * before Redis's clock (a reader started for a new socket); otherwise the stream's current end
   * ("$" resolved once, so later XREADs never leave a gap).
   */
  @Override
  public Future<Void> start(boolean lookback) {
    Request where = lookback ? Request.cmd(Command.TIME) : Request.cmd(Command.XREVRANGE).arg(key).arg("+").arg("-").arg("COUNT").arg(1);
    return connect()
        .compose(c -> c.send(where).timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS))
        .map(r -> {
          if (lookback) {
            long nowMs = r.get(0).toLong() * 1000 + r.get(1).toLong() / 1000;
            lastId = Math.max(0, nowMs - EventFanoutVerticle.START_LOOKBACK_MS) + "-0";
          } else {
            List<JsonObject> newest = EventLog.parseEntries(r);
            lastId = newest.isEmpty() ? "0-0" : newest.get(0).getString("id");
          }
          LOG.debug("event fan-out reading {} after {}", key, lastId);
          context.runOnContext(v -> poll());
          return null;
        });
  }

  @Override
  public Future<Void> close() {
    closed = true;
    RedisConnection c = conn;
    conn = null;
    Redis cl = client;
    client = null;
    return EventFanoutVerticle.closeBoth(c, cl);
  }

  private boolean done() {
    return fanout.stopped || closed;
  }

  // Its own client and connection: a blocking XREAD must never hold one of the shared pool's slots.
  // A fresh client per connection, so a killed connection can never be handed back by a pool. The
  // whole of it is bounded: a cluster client connects to every node of its slot map, and one that
  // died but is still listed (a failover under way) must cost a retry, not the reader.
  private Future<RedisConnection> connect() {
    // a pool of more than one: a cluster client takes one connection to find the slots and another to serve
    Redis fresh = Redis.createClient(vertx, redis.setup().options(4, replica).setMaxPoolWaiting(16));
    client = fresh;
    return fresh.connect()
        .compose(c -> c.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name))
            // the name only helps an operator (and a test) find the connection
            .otherwise((Response) null)
            .map(ok -> {
              c.exceptionHandler(err -> LOG.debug("fan-out connection error: {}", err.toString()));
              return c;
            }))
        .timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(c -> {
          if (client != fresh || done()) {
            // given up on meanwhile (a timeout, a close): this connection is not the reader's
            c.close();
            throw new IllegalStateException("fan-out connection no longer wanted");
          }
          conn = c;
          return c;
        });
  }

  private void poll() {
    if (done()) {
      return;
    }
    RedisConnection c = conn;
    Future<RedisConnection> ready = c != null ? Future.succeededFuture(c) : connect();
    fanout.countRead();
    ready
        .compose(rc -> rc.send(Request.cmd(Command.XREAD)
            .arg("COUNT").arg(batch).arg("BLOCK").arg(blockMs)
            .arg("STREAMS").arg(key).arg(lastId))
            // a read that outlives its BLOCK by 2 s hangs on a server that died or changed role
            // without the connection noticing (or a cluster that answers CLUSTERDOWN, which the
            // client retries for up to 14 s): it is dropped and the reader connects again
            .timeout(blockMs + 2_000L, TimeUnit.MILLISECONDS))
        // the client's callbacks (and a timeout's) may come on another thread: the reader's state
        // is this verticle's, so everything after the read runs on its context
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.succeeded()) {
            read(ar.result());
          } else {
            retry(ar.cause());
          }
        }));
  }

  private void read(Response r) {
    if (done()) {
      return;
    }
    if (lostAt != 0) {
      LOG.info("event fan-out back on partition {} after {} ms, continuing after {}", partition,
          System.currentTimeMillis() - lostAt, lastId);
      lostAt = 0;
    }
    backoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
    lastId = fanout.publish(EventFanoutVerticle.entries(r, key), lastId);
    poll();
  }

  @Override
  public void retry(Throwable err) {
    if (done()) {
      return;
    }
    RedisConnection broken = conn;
    conn = null;
    if (broken != null) {
      broken.close();
    }
    if (client != null) {
      client.close();
      client = null;
    }
    if ("sentinel".equals(redis.setup().mode())) {
      // the replica may be the server that is gone (or was promoted): try the master next, and back.
      // A cluster client reads a slot's replica when it has one and its master otherwise, so it
      // keeps to replicas: a master read there could show an event the promoted replica lacks,
      // which the relay then appends again and the page gets twice.
      replica = !replica;
    }
    if (lostAt == 0) {
      lostAt = System.currentTimeMillis();
    }
    LOG.warn("event fan-out lost Redis on partition {} ({}); reconnecting in {} ms, continuing after {}",
        partition, err.toString(), backoffMs, lastId);
    fanout.countReconnect();
    long delay = backoffMs;
    backoffMs = Math.min(EventFanoutVerticle.BACKOFF_MAX_MS, backoffMs * 2);
    if (lastId == null) {
      // the start failed before it knew where to begin: start again (a new socket: with the lookback)
      vertx.setTimer(delay, t -> {
        if (!done()) {
          start(heldOnly).onFailure(e -> context.runOnContext(v -> retry(e)));
        }
      });
      return;
    }
    vertx.setTimer(delay, t -> poll());
  }

}
