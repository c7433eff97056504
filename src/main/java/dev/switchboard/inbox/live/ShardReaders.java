package dev.switchboard.inbox.live;

import dev.switchboard.store.RedisStore;
import dev.switchboard.store.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The fan-out's readers on a Redis Cluster: one connection per shard, not one per partition.
 *
 * <p>A single XREAD over partitions of different slots is refused by a cluster (CROSSSLOT), so a
 * shard's partitions cannot share one blocking read. Instead every append rings the partition's
 * doorbell ({@link EventLog#bellChannel}: the scripts {@code SPUBLISH} the newest id on a shard
 * channel in the stream's own slot), and the node holds one connection to each shard, on which it
 * {@code SSUBSCRIBE}s the doorbells of that shard's partitions (one command each: each is another
 * slot). A ring reads the partition with a non-blocking XREAD from its last id over the node's
 * shared replica connection ({@code RedisStore#replicas}, pipelined), not over the doorbell's: the
 * Vert.x client (5.0.7) hands a standalone connection's push frames to its handler but first takes
 * the oldest waiting reply's promise off the queue, so a command sent on a subscribed connection
 * can lose its reply to an {@code smessage}. The doorbell connection therefore sends nothing after
 * its subscriptions ({@code SSUBSCRIBE} and {@code SUNSUBSCRIBE} wait for no reply). It goes to the
 * shard's node directly (its address from {@code CLUSTER SLOTS}), not through the cluster client,
 * which picks the node and the connection per command, so which node a subscription sits on, and
 * how many connections the node holds, would be its choice.
 *
 * <p>The reads go to a replica when the shard has one (as the other modes' readers: an event is
 * pushed only once a replica holds it, so a promoted replica never lacks one a browser was shown).
 * The doorbell sits on a replica too when the slot map lists one as it is placed (else on the
 * master), and stays on its server while that server serves the shard. Wherever it sits, a ring
 * can come before the replica holds the event (the master publishes as it appends; a replica hears
 * the ring over the cluster bus, which can overtake replication): the ring carries the newest id,
 * and a read that comes back short of it is tried again within milliseconds.
 *
 * <p>Nothing is missed across a connection's loss, a failover or a slot move: the slot map is read
 * again (at once, then with backoff), the doorbells are subscribed on the node that serves them now,
 * and each partition is read from its last id. A {@code sunsubscribe} push (its slot moved away) and
 * a slow safety poll ({@code FANOUT_BLOCK_MS}, which also rereads the slot map) cover rings lost on
 * the way. A partition has one read in flight at a time and hands its events on in id order.
 *
 * <p>Everything here runs on the fan-out verticle's context.
 */
final class ShardReaders {

  private static final Logger LOG = LoggerFactory.getLogger(ShardReaders.class);
  /** Retries of a read short of its ring (1, 2, 4 … ms apart) before the safety poll is left to find it. */
  static final int CHASES = 9;
  /** Reconnecting after a lost shard backs off up to this: a failover is followed within a second. */
  static final long BACKOFF_MAX_MS = 1_000;
  /** How long a node whose connection broke is passed over for another of its shard. */
  static final long AVOID_MS = 30_000;

  final EventFanoutVerticle fanout;
  final Vertx vertx;
  final Context context;
  final EventLog events;
  final RedisStore redis;
  private final String nodeId;
  final int batch;
  final Map<String, ShardPartition> byChannel = new HashMap<>();
  /** The shard connections by their node's address ({@code host:port}). */
  private final Map<String, Shard> shards = new HashMap<>();
  private final long poller;
  /** When each node's doorbell connection last broke. */
  private final Map<String, Long> brokeAt = new HashMap<>();
  private boolean reconciling;
  private boolean reconcileAgain;
  private long retryTimer = -1;
  private long backoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
  private long lostAt;
  boolean closed;

  ShardReaders(EventFanoutVerticle fanout, Vertx vertx, Context context, EventLog events, RedisStore redis, String nodeId,
               int batch, long pollMs) {
    this.fanout = fanout;
    this.vertx = vertx;
    this.context = context;
    this.events = events;
    this.redis = redis;
    this.nodeId = nodeId;
    this.batch = batch;
    this.poller = vertx.setPeriodic(pollMs, pollMs, t -> {
      reconcile();
      for (ShardPartition p : List.copyOf(byChannel.values())) {
        p.read();
      }
    });
  }

  /** A reader of partition {@code k}; it reads once started. */
  EventFanoutVerticle.PartitionReader partition(int k) {
    return new ShardPartition(this, k);
  }

  /** The shard connections open now (a test's and an operator's view). */
  int connections() {
    return shards.size();
  }

  Future<Void> close() {
    closed = true;
    vertx.cancelTimer(poller);
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
    }
    List<Future<Void>> closing = new ArrayList<>();
    for (Shard s : List.copyOf(shards.values())) {
      closing.add(s.close());
    }
    return Future.join(closing).mapEmpty();
  }

  // Reads the slot map and moves each started partition's doorbell to the node that serves it.
  // Coalesced: one read of the map at a time, and one more if anything asked meanwhile.
  void reconcile() {
    if (closed) {
      return;
    }
    if (reconciling) {
      reconcileAgain = true;
      return;
    }
    reconciling = true;
    slotMap().onComplete(ar -> context.runOnContext(v -> {
      reconciling = false;
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        apply(ar.result());
      } else {
        lost("reading the slot map", ar.cause());
      }
      if (reconcileAgain) {
        reconcileAgain = false;
        reconcile();
      }
    }));
  }

  // Asked of the shared cluster client: a doorbell connection takes no command (see the class comment).
  private Future<Response> slotMap() {
    return redis.api().cluster(List.of("SLOTS")).timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  // Groups the started partitions by the shard that serves their slot and subscribes each group on
  // one node of it: the node already used when it still belongs to the shard (no needless moves),
  // otherwise the one pick chooses.
  private void apply(Response map) {
    Map<String, List<String>> nodesByMaster = new HashMap<>();
    Map<String, Set<ShardPartition>> byMaster = new LinkedHashMap<>();
    int unserved = -1;
    for (ShardPartition p : byChannel.values()) {
      List<String> nodes = ClusterSlots.nodesOf(map, p.slot, URI.create(redis.url()).getHost());
      if (nodes.isEmpty()) {
        unserved = p.slot;
        continue;
      }
      nodesByMaster.put(nodes.get(0), nodes);
      byMaster.computeIfAbsent(nodes.get(0), m -> new HashSet<>()).add(p);
    }
    if (unserved >= 0) {
      // a slot no node serves (a failover under way): the map is read again after the backoff
      lost("the slot map", new IllegalStateException("slot " + unserved + " is not served"));
    }
    Map<String, Set<ShardPartition>> wanted = new HashMap<>();
    for (Map.Entry<String, Set<ShardPartition>> e : byMaster.entrySet()) {
      List<String> nodes = nodesByMaster.get(e.getKey());
      String node = nodes.stream().filter(shards::containsKey).findFirst().orElseGet(() -> pick(nodes));
      wanted.computeIfAbsent(node, n -> new HashSet<>()).addAll(e.getValue());
    }
    for (Shard s : List.copyOf(shards.values())) {
      if (!wanted.containsKey(s.address)) {
        LOG.info("event fan-out: {} no longer serves a partition this node reads; its connection closes", s.address);
        s.close();
      }
    }
    for (Map.Entry<String, Set<ShardPartition>> e : wanted.entrySet()) {
      Shard s = shards.get(e.getKey());
      if (s == null) {
        s = new Shard(e.getKey());
        shards.put(s.address, s);
        s.open();
      }
      s.want(e.getValue());
    }
  }

  // A replica when the shard has one (chosen by node id, spreading nodes over replicas), else the
  // master; a node whose connection broke lately is passed over while the shard has another: the
  // slot map lists a dead node until the cluster marks it failed.
  private String pick(List<String> nodes) {
    long now = System.currentTimeMillis();
    List<String> live = nodes.stream().filter(n -> now - brokeAt.getOrDefault(n, 0L) > AVOID_MS).toList();
    List<String> from = live.isEmpty() ? nodes : live;
    List<String> replicas = from.stream().filter(n -> !n.equals(nodes.get(0))).toList();
    return replicas.isEmpty() ? from.get(0) : replicas.get(Math.floorMod(nodeId.hashCode(), replicas.size()));
  }

  // Something failed that a fresh slot map may fix: read it again after the backoff.
  private void lost(String what, Throwable err) {
    if (closed) {
      return;
    }
    if (lostAt == 0) {
      lostAt = System.currentTimeMillis();
    }
    fanout.countReconnect();
    LOG.warn("event fan-out lost a Redis shard ({}: {}); reading the slot map again in {} ms", what, err.toString(), backoffMs);
    if (retryTimer != -1) {
      return;
    }
    long delay = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    retryTimer = vertx.setTimer(delay, t -> {
      retryTimer = -1;
      reconcile();
    });
  }

  /** One node's connection: the doorbells it carries and the reads of their partitions. */
  final class Shard {
    final String address;
    /** The partitions this connection should carry, and those it subscribed. */
    private Set<ShardPartition> wanted = Set.of();
    private final Set<ShardPartition> subscribed = new HashSet<>();
    private Redis client;
    private RedisConnection conn;
    private boolean gone;

    Shard(String address) {
      this.address = address;
    }

    boolean ready() {
      return conn != null && !gone;
    }

    // Its own client: a connection that subscribes is never handed to anything else.
    void open() {
      URI first = URI.create(redis.url());
      String auth = first.getRawUserInfo() == null ? "" : first.getRawUserInfo() + "@";
      client = Redis.createClient(vertx, new RedisOptions()
          .setType(RedisClientType.STANDALONE)
          .setConnectionString(first.getScheme() + "://" + auth + address)
          // RESP3: a push is typed as one, apart from any reply
          .setPreferredProtocolVersion(ProtocolVersion.RESP3)
          .setMaxPoolSize(1)
          .setMaxPoolWaiting(16));
      String name = EventFanoutVerticle.shardConnectionName(nodeId, address);
      client.connect()
          .compose(c -> c.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name)).map(ok -> c))
          .timeout(EventFanoutVerticle.CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .onComplete(ar -> context.runOnContext(v -> {
            if (ar.failed()) {
              broken(ar.cause());
              return;
            }
            RedisConnection c = ar.result();
            if (gone) {
              c.close();
              return;
            }
            conn = c;
            c.handler(push -> context.runOnContext(x -> pushed(push)));
            c.exceptionHandler(err -> context.runOnContext(x -> broken(err)));
            c.endHandler(end -> context.runOnContext(x -> broken(new IllegalStateException("connection to " + address + " closed"))));
            if (lostAt != 0) {
              LOG.info("event fan-out back on {} after {} ms", address, System.currentTimeMillis() - lostAt);
              lostAt = 0;
            }
            backoffMs = EventFanoutVerticle.BACKOFF_MIN_MS;
            sync();
          }));
    }

    void want(Set<ShardPartition> partitions) {
      wanted = partitions;
      if (ready()) {
        sync();
      }
    }

    // Subscribes what it should carry and does not (the confirmation reads the partition, see
    // pushed); unsubscribes the rest.
    private void sync() {
      for (ShardPartition p : wanted) {
        // a partition stopped since it was assigned here is not subscribed
        if (byChannel.get(p.channel) == p && subscribed.add(p)) {
          conn.send(Request.cmd(Command.SSUBSCRIBE).arg(p.channel))
              .onFailure(err -> context.runOnContext(v -> broken(err)));
          p.owner = this;
        }
      }
      for (ShardPartition p : List.copyOf(subscribed)) {
        if (!wanted.contains(p)) {
          drop(p);
        }
      }
      if (subscribed.isEmpty()) {
        close();
      }
    }

    void drop(ShardPartition p) {
      if (subscribed.remove(p) && ready()) {
        conn.send(Request.cmd(Command.SUNSUBSCRIBE).arg(p.channel));
      }
      if (p.owner == this) {
        p.owner = null;
      }
      if (subscribed.isEmpty() && wanted.stream().noneMatch(byChannel::containsValue)) {
        close();
      }
    }

    private void pushed(Response push) {
      if (gone || push == null || push.type() != ResponseType.PUSH || push.size() < 2) {
        return;
      }
      String kind = push.get(0).toString();
      ShardPartition p = byChannel.get(push.get(1).toString());
      if (p == null) {
        return;
      }
      if ("smessage".equals(kind) && p.owner == this) {
        p.ring(push.get(2).toString());
      } else if ("ssubscribe".equals(kind) && p.owner == this) {
        // from here on every append rings: one read from the last id takes what came before
        p.read();
      } else if ("sunsubscribe".equals(kind) && subscribed.remove(p)) {
        // not asked for: the slot moved to another shard, whose node the slot map names
        LOG.info("event fan-out: {} dropped the doorbell of {} (its slot moved); reading the slot map", address, p.key);
        if (p.owner == this) {
          p.owner = null;
        }
        reconcile();
      }
    }

    void broken(Throwable err) {
      if (gone) {
        return;
      }
      brokeAt.put(address, System.currentTimeMillis());
      close();
      lost(address, err);
    }

    Future<Void> close() {
      if (gone && client == null) {
        return Future.succeededFuture();
      }
      gone = true;
      shards.remove(address, this);
      for (ShardPartition p : subscribed) {
        if (p.owner == this) {
          p.owner = null;
        }
      }
      subscribed.clear();
      RedisConnection c = conn;
      conn = null;
      Redis cl = client;
      client = null;
      return EventFanoutVerticle.closeBoth(c, cl);
    }
  }
}
