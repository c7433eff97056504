package dev.switchboard.inbox.live;

import dev.switchboard.common.Services;
import dev.switchboard.store.Bus;
import dev.switchboard.store.EventLog;
import io.micrometer.core.instrument.Counter;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads every partition of the event log once per node (one XREAD BLOCK per partition, each on a
 * connection of its own) and hands each batch to every bridge event loop through the
 * {@link LiveHub}, which writes each event to the sockets registered to its account at
 * {@code inbox.account.<id>} (why not one event-bus consumer per socket: see LiveHub). A
 * partition's events arrive in their order; partitions are independent. Survives Redis restarts
 * and failovers: a reader reconnects with backoff and continues after the last id it saw, so
 * nothing retained is skipped. With replicas (Sentinel, Cluster) a reader reads a replica when
 * one answers: an event is pushed only once a replica holds it, so a promoted replica never lacks
 * an event a browser was shown (the relay appends what the dead master had not passed on, once).
 */
public final class EventFanoutVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventFanoutVerticle.class);
  static final long BACKOFF_MIN_MS = 100;
  static final long BACKOFF_MAX_MS = 5_000;

  private final Services services;
  private final int blockMs;
  private final int batch;
  private final List<Reader> readers = new ArrayList<>();
  private volatile boolean stopped;
  private Counter published;
  private Counter reconnects;
  private LiveHub hub;

  public EventFanoutVerticle(Services services) {
    this.services = services;
    this.blockMs = services.config().fanout().blockMs();
    this.batch = services.config().fanout().batch();
  }

  /** The Redis client name of a node's fan-out connection to one partition (visible in CLIENT LIST). */
  public static String connectionName(String nodeId, int partition) {
    return "switchboard-fanout-" + nodeId + "-p" + partition;
  }

  @Override
  public Future<?> start() {
    hub = LiveHub.of(vertx);
    MeterRegistry metrics = services.metrics();
    if (metrics != null) {
      published = Counter.builder("switchboard.fanout.events").description("events read from the Redis log and published locally").register(metrics);
      reconnects = Counter.builder("switchboard.fanout.reconnects").description("times the fan-out reconnected to Redis").register(metrics);
    }
    List<Future<Void>> started = new ArrayList<>();
    for (int k = 0; k < services.events().partitions(); k++) {
      Reader r = new Reader(k);
      readers.add(r);
      started.add(r.start());
    }
    return Future.all(started);
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (Reader r : readers) {
      closing.add(r.close());
    }
    return Future.join(closing);
  }

  /** One partition's reader: its own client and connection, and the last id it handed on. */
  private final class Reader {
    private final int partition;
    private final String key;
    private Redis client;
    private RedisConnection conn;
    private String lastId;
    private long backoffMs = BACKOFF_MIN_MS;
    /** Read a replica (when there are replicas); after a failure the other choice is tried. */
    private boolean replica;

    Reader(int partition) {
      this.partition = partition;
      this.key = services.events().streamKey(partition);
      this.replica = !services.redis().setup().standalone();
    }

    // Start at the stream's current end ("$" resolved once), so later XREADs never leave a gap.
    Future<Void> start() {
      return connect()
          .compose(c -> c.send(Request.cmd(Command.XREVRANGE).arg(key).arg("+").arg("-").arg("COUNT").arg(1)))
          .map(r -> {
            List<JsonObject> newest = EventLog.parseEntries(r);
            lastId = newest.isEmpty() ? "0-0" : newest.get(0).getString("id");
            LOG.debug("event fan-out reading {} after {}", key, lastId);
            vertx.runOnContext(v -> poll());
            return null;
          });
    }

    Future<Void> close() {
      RedisConnection c = conn;
      conn = null;
      Future<Void> closing = c == null ? Future.succeededFuture() : c.close().otherwise((Void) null);
      return closing.eventually(() -> {
        if (client != null) {
          client.close();
        }
        return Future.succeededFuture();
      });
    }

    // Its own client and connection: a blocking XREAD must never hold one of the shared pool's slots.
    // A fresh client per connection, so a killed connection can never be handed back by a pool.
    private Future<RedisConnection> connect() {
      // a pool of more than one: a cluster client takes one connection to find the slots and another to serve
      client = Redis.createClient(vertx, services.redis().setup().options(4, replica).setMaxPoolWaiting(16));
      return client.connect()
          .compose(c -> c.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(connectionName(services.config().nodeId(), partition)))
              // the name only helps an operator (and a test) find the connection
              .otherwise((Response) null)
              .map(ok -> {
                c.exceptionHandler(err -> LOG.debug("fan-out connection error: {}", err.toString()));
                conn = c;
                return c;
              }));
    }

    private void poll() {
      if (stopped) {
        return;
      }
      RedisConnection c = conn;
      Future<RedisConnection> ready = c != null ? Future.succeededFuture(c) : connect();
      ready
          .compose(rc -> rc.send(Request.cmd(Command.XREAD)
              .arg("COUNT").arg(batch).arg("BLOCK").arg(blockMs)
              .arg("STREAMS").arg(key).arg(lastId))
              // a read that outlives its BLOCK by 2 s hangs on a server that died or changed role
              // without the connection noticing: it is dropped and the reader connects again
              .timeout(blockMs + 2_000L, TimeUnit.MILLISECONDS))
          .onSuccess(r -> {
            backoffMs = BACKOFF_MIN_MS;
            lastId = publish(entries(r), lastId);
            poll();
          })
          .onFailure(this::retry);
    }

    private void retry(Throwable err) {
      if (stopped) {
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
      if (!services.redis().setup().standalone()) {
        // the replica may be the server that is gone (or was promoted): try the master next, and back
        replica = !replica;
      }
      LOG.warn("event fan-out lost Redis on partition {} ({}); reconnecting in {} ms, continuing after {}",
          partition, err.toString(), backoffMs, lastId);
      if (reconnects != null) {
        reconnects.increment();
      }
      long delay = backoffMs;
      backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
      vertx.setTimer(delay, t -> poll());
    }

    // XREAD answers nil on timeout; RESP3 gives a map {stream: entries}, RESP2 [[stream, entries]].
    private Response entries(Response r) {
      if (r == null) {
        return null;
      }
      if (r.isMap()) {
        return r.get(key);
      }
      return r.size() == 0 ? null : r.get(0).get(1);
    }
  }

  /**
   * Publishes each entry as it was stored (a {@link LiveEvent}: no parse, no copy per socket, no
   * re-encoding in the bridge). An entry not in the log's own shape is parsed as JSON instead.
   */
  private String publish(Response entries, String after) {
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
