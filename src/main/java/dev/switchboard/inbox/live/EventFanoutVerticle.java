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
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
  volatile boolean stopped;
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

  /** A partition's reader, by blocking XREAD ({@link BlockingReader}) or by doorbell ({@link ShardReaders}). */
  interface PartitionReader {
    /** Finds where reading starts ({@code lookback}: a while before Redis's clock), then reads. */
    Future<Void> start(boolean lookback);

    Future<Void> close();

    /** Starts again after a failed start. */
    void retry(Throwable err);
  }

  private PartitionReader reader(int partition) {
    return shards != null ? shards.partition(partition)
        : new BlockingReader(this, vertx, context, redis, events.streamKey(partition), partition,
            connectionName(nodeId, partition), batch, blockMs, heldOnly);
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
