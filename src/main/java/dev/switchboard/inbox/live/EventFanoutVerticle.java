package dev.switchboard.inbox.live;

import dev.switchboard.config.Config;
import dev.switchboard.store.RedisStore;
import dev.switchboard.store.Bus;
import dev.switchboard.store.EventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads every partition of the event log once per node and hands each batch to every bridge event loop through the
 * {@link LiveHub}, which writes each event to the sockets registered to its account at
 * {@code inbox.account.<id>} (why not one event-bus consumer per socket: see LiveHub). A
 * partition's events arrive in their order; partitions are independent. With one Redis (standalone,
 * Sentinel) a partition is read by an XREAD BLOCK on a connection of its own ({@link Reader}); on a
 * Redis Cluster by doorbell, over one connection per shard ({@link ShardReaders}). Survives Redis restarts
 * and failovers: a reader reconnects with backoff and continues after the last id it saw, so
 * nothing retained is skipped. With replicas (Sentinel, Cluster) a reader reads a replica when
 * one answers: an event is pushed only once a replica holds it, so a promoted replica never lacks
 * an event a browser was shown (the relay appends what the dead master had not passed on, once).
 *
 * <p>With {@code FANOUT_HELD_ONLY} (the balancer routes {@code /eventbus} by account) a partition
 * is read only while this node holds a registered socket of one of its accounts, and
 * {@code FANOUT_LINGER_MS} after the last one left. A reader started for a new socket begins
 * {@link #START_LOOKBACK_MS} before Redis's clock, not at the stream's end: the page replays (or
 * loads its lists) when its socket opens, before the register frame has started the reader, and the
 * events in between reach it this way (a page drops events it has already seen by id).
 */
public final class EventFanoutVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventFanoutVerticle.class);
  static final long BACKOFF_MIN_MS = 100;
  static final long BACKOFF_MAX_MS = 5_000;
  /** How far before Redis's clock a reader started for a new socket begins. */
  static final long START_LOOKBACK_MS = 10_000;
  /** Connecting (finding the slots, connecting to every node of a cluster) longer than this is given up and retried. */
  static final long CONNECT_TIMEOUT_MS = 5_000;
  /** How long a node's start waits for Redis to give every reader its starting point. */
  static final long START_TIMEOUT_MS = 60_000;

  private final EventLog events;
  private final RedisStore redis;
  private final String nodeId;
  private final MeterRegistry metrics;
  private final int blockMs;
  private final int batch;
  private final boolean heldOnly;
  private final long lingerMs;
  private final Map<Integer, PartitionReader> readers = new HashMap<>();
  /** Held accounts counted per partition (heldOnly), and the timers that stop an idle partition's reader. */
  private final Set<Long> counted = new HashSet<>();
  private final int[] heldPerPartition;
  private final Map<Integer, Long> lingering = new HashMap<>();
  private volatile boolean stopped;
  private Counter published;
  private Counter reconnects;
  private Counter reads;
  private LiveHub hub;
  /** A Redis Cluster's shard connections (null in the other modes). */
  private ShardReaders shards;

  public EventFanoutVerticle(EventLog events, RedisStore redis, Config.Fanout config, String nodeId, MeterRegistry metrics) {
    this.events = events;
    this.redis = redis;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.blockMs = config.blockMs();
    this.batch = config.batch();
    this.heldOnly = config.heldOnly();
    this.lingerMs = config.lingerMs();
    this.heldPerPartition = new int[events.partitions()];
  }

  /** The Redis client name of a node's fan-out connection to one partition (visible in CLIENT LIST). */
  public static String connectionName(String nodeId, int partition) {
    return "switchboard-fanout-" + nodeId + "-p" + partition;
  }

  /** The Redis client name of a node's fan-out connection to one Redis Cluster shard, at a node's {@code host:port}. */
  public static String shardConnectionName(String nodeId, String address) {
    return "switchboard-fanout-" + nodeId + "-shard-" + address;
  }

  /** A partition's reader, by blocking XREAD ({@link Reader}) or by doorbell ({@link ShardReaders}). */
  interface PartitionReader {
    /** Finds where reading starts ({@code lookback}: a while before Redis's clock), then reads. */
    Future<Void> start(boolean lookback);

    Future<Void> close();

    /** Starts again after a failed start. */
    void retry(Throwable err);
  }

  private PartitionReader reader(int partition) {
    return shards != null ? shards.partition(partition) : new Reader(partition);
  }

  @Override
  public Future<?> start() {
    hub = LiveHub.of(vertx);
    if (events.bells()) {
      shards = new ShardReaders(this, vertx, context, events, redis, nodeId, batch, blockMs);
    }
    if (metrics != null) {
      published = Counter.builder("switchboard.fanout.events").description("events read from the Redis log and published locally").register(metrics);
      reconnects = Counter.builder("switchboard.fanout.reconnects").description("times the fan-out reconnected to Redis").register(metrics);
      reads = Counter.builder("switchboard.fanout.reads").description("XREAD calls of the fan-out's partition readers").register(metrics);
      Gauge.builder("switchboard.fanout.partitions", readers, Map::size).description("log partitions this node reads now").register(metrics);
      Gauge.builder("switchboard.fanout.shards", this, EventFanoutVerticle::shardConnections)
          .description("Redis Cluster shards this node holds a doorbell connection to").register(metrics);
    }
    if (heldOnly) {
      hub.watch(vertx.getOrCreateContext(), this::heldChanged);
      // sockets that registered before this verticle listened
      hub.heldAccounts().forEach(this::heldChanged);
      return Future.succeededFuture();
    }
    List<Future<Void>> started = new ArrayList<>();
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    for (int k = 0; k < events.partitions(); k++) {
      PartitionReader r = reader(k);
      readers.put(k, r);
      started.add(startBy(k, r, deadline));
    }
    return Future.all(started);
  }

  // The node starts once every reader knows where it begins (a socket admitted earlier could miss
  // events); one connect that runs out of time on a busy machine is tried again, Redis that does not
  // answer for START_TIMEOUT_MS stops the start.
  private Future<Void> startBy(int partition, PartitionReader r, long deadline) {
    return r.start(false).recover(err -> {
      if (stopped || System.currentTimeMillis() > deadline) {
        return Future.failedFuture(err);
      }
      LOG.warn("event fan-out: starting the reader of partition {} failed ({}); trying again", partition, err.toString());
      return vertx.timer(BACKOFF_MIN_MS).compose(t -> startBy(partition, r, deadline));
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (heldOnly) {
      hub.unwatch();
    }
    lingering.values().forEach(vertx::cancelTimer);
    lingering.clear();
    List<Future<Void>> closing = new ArrayList<>();
    for (PartitionReader r : readers.values()) {
      closing.add(r.close());
    }
    readers.clear();
    if (shards != null) {
      closing.add(shards.close());
    }
    return Future.join(closing);
  }

  /** The Redis Cluster shard connections this node holds now (0 in the other modes). */
  public int shardConnections() {
    return shards == null ? 0 : shards.connections();
  }

  /** The partitions this node reads now. */
  public Set<Integer> reading() {
    return Set.copyOf(readers.keySet());
  }

  // On this verticle's context: an account's first socket registered or its last one left.
  private void heldChanged(long account) {
    if (stopped) {
      return;
    }
    int k = events.partitionOf(account);
    boolean holds = hub.holds(account);
    if (holds && counted.add(account)) {
      heldPerPartition[k]++;
    } else if (!holds && counted.remove(account)) {
      heldPerPartition[k]--;
    }
    if (heldPerPartition[k] > 0) {
      Long timer = lingering.remove(k);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
      if (!readers.containsKey(k)) {
        PartitionReader r = reader(k);
        readers.put(k, r);
        LOG.debug("event fan-out: reading partition {} (a socket of account {} registered)", k, account);
        r.start(true).onFailure(err -> context.runOnContext(v -> r.retry(err)));
      }
    } else if (readers.containsKey(k) && !lingering.containsKey(k)) {
      lingering.put(k, vertx.setTimer(Math.max(1, lingerMs), t -> {
        lingering.remove(k);
        if (heldPerPartition[k] == 0) {
          PartitionReader r = readers.remove(k);
          if (r != null) {
            LOG.debug("event fan-out: no socket of partition {} left; its reader stops", k);
            r.close();
          }
        }
      }));
    }
  }

  /** One partition's reader: its own client and connection, and the last id it handed on. */
  private final class Reader implements PartitionReader {
    private final int partition;
    private final String key;
    private Redis client;
    private RedisConnection conn;
    private String lastId;
    private long backoffMs = BACKOFF_MIN_MS;
    /** When the reader lost Redis (0: reading), to log how long it was away. */
    private long lostAt;
    private volatile boolean closed;
    /** Sentinel: read the replica (when there is one); after a failure the master is tried, and back. */
    private boolean replica;

    Reader(int partition) {
      this.partition = partition;
      this.key = events.streamKey(partition);
      this.replica = !redis.setup().standalone();
    }

    /**
     * Resolves where reading starts, then reads. {@code lookback}: {@link #START_LOOKBACK_MS}
     * before Redis's clock (a reader started for a new socket); otherwise the stream's current end
     * ("$" resolved once, so later XREADs never leave a gap).
     */
    @Override
    public Future<Void> start(boolean lookback) {
      Request where = lookback ? Request.cmd(Command.TIME) : Request.cmd(Command.XREVRANGE).arg(key).arg("+").arg("-").arg("COUNT").arg(1);
      return connect()
          .compose(c -> c.send(where).timeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS))
          .map(r -> {
            if (lookback) {
              long nowMs = r.get(0).toLong() * 1000 + r.get(1).toLong() / 1000;
              lastId = Math.max(0, nowMs - START_LOOKBACK_MS) + "-0";
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
      return closeBoth(c, cl);
    }

    private boolean done() {
      return stopped || closed;
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
          .compose(c -> c.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(connectionName(nodeId, partition)))
              // the name only helps an operator (and a test) find the connection
              .otherwise((Response) null)
              .map(ok -> {
                c.exceptionHandler(err -> LOG.debug("fan-out connection error: {}", err.toString()));
                return c;
              }))
          .timeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
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
      countRead();
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
      backoffMs = BACKOFF_MIN_MS;
      lastId = publish(entries(r, key), lastId);
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
      countReconnect();
      long delay = backoffMs;
      backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
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

  /** Closes a connection, then its client (either may be null). */
  static Future<Void> closeBoth(RedisConnection c, Redis client) {
    Future<Void> closing = c == null ? Future.succeededFuture() : c.close().otherwise((Void) null);
    return closing.eventually(() -> {
      if (client != null) {
        client.close();
      }
      return Future.succeededFuture();
    });
  }

  // XREAD answers nil on timeout or when nothing is new; RESP3 gives a map {stream: entries}, RESP2 [[stream, entries]].
  static Response entries(Response r, String key) {
    if (r == null) {
      return null;
    }
    if (r.isMap()) {
      return r.get(key);
    }
    return r.size() == 0 ? null : r.get(0).get(1);
  }

  void countRead() {
    if (reads != null) {
      reads.increment();
    }
  }

  void countReconnect() {
    if (reconnects != null) {
      reconnects.increment();
    }
  }

  /**
   * Publishes each entry as it was stored (a {@link LiveEvent}: no parse, no copy per socket, no
   * re-encoding in the bridge). An entry not in the log's own shape is parsed as JSON instead.
   */
  String publish(Response entries, String after) {
    String lastId = after;
    if (entries == null) {
      return lastId;
    }
    int n = 0;
    List<LiveEvent> batch = new ArrayList<>(entries.size());
    for (Response entry : entries) {
      String id = entry.get(0).toString();
      lastId = id;
      Response fields = entry.get(1);
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("e".equals(fields.get(i).toString())) {
          String stored = fields.get(i + 1).toString();
          LiveEvent live = LiveEvent.fromStored(id, stored);
          if (live != null) {
            batch.add(live);
          } else {
            // not in the log's own shape: hand over what came before it, then this one as JSON
            hub.publish(batch);
            batch.clear();
            publishJson(id, stored);
          }
          n++;
        }
      }
    }
    hub.publish(batch);
    if (published != null && n > 0) {
      published.increment(n);
    }
    return lastId;
  }

  private void publishJson(String id, String stored) {
    try {
      JsonObject event = new JsonObject(stored).put("id", id);
      vertx.eventBus().publish(Bus.accountAddress(Long.parseLong(event.getString("accountId"))), event);
    } catch (RuntimeException e) {
      LOG.warn("event {} has no account id; not pushed", id);
    }
  }
}
