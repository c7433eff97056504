package dev.switchboard.inbox.live;

import dev.switchboard.presence.Ephemeral;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * One per node: subscribes to the ephemeral events' Redis channel (presence, viewing, typing;
 * see {@link Ephemeral}) on a connection of its own and hands each to the bridge event loops,
 * which write it to the account's sockets like a log event, without an id. A lost connection is
 * re-opened with backoff; what was published meanwhile is gone, as ephemeral events may be.
 */
public final class EphemeralVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EphemeralVerticle.class);
  private static final long BACKOFF_MIN_MS = 100;
  private static final long BACKOFF_MAX_MS = 5_000;

  private final RedisStore redis;
  private Redis client;
  private RedisConnection conn;
  private LiveHub hub;
  private long backoffMs = BACKOFF_MIN_MS;
  private volatile boolean stopped;

  public EphemeralVerticle(RedisStore redis) {
    this.redis = redis;
  }

  @Override
  public Future<?> start() {
    hub = LiveHub.of(vertx);
    return subscribe();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
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

  private int attempts;

  private Future<Void> subscribe() {
    RedisStore.Setup setup = redis.setup();
    RedisOptions options;
    if ("cluster".equals(setup.mode())) {
      // a cluster passes every PUBLISH to all its nodes, so one node's connection hears them all;
      // each new attempt takes the next endpoint, so a dead node is not tried forever
      List<String> endpoints = setup.endpoints();
      options = new RedisOptions().setType(RedisClientType.STANDALONE)
          .setConnectionString(endpoints.get(Math.floorMod(attempts++, endpoints.size())));
    } else {
      // standalone, or the master a Sentinel names (a failover ends the connection and we follow it)
      options = setup.options(1, false);
    }
    client = Redis.createClient(vertx, options.setMaxPoolSize(1).setMaxPoolWaiting(4));
    return client.connect().compose(c -> {
      conn = c;
      c.handler(this::message);
      c.exceptionHandler(err -> retry(err));
      c.endHandler(v -> retry(new IllegalStateException("connection ended")));
      return c.send(Request.cmd(Command.SUBSCRIBE).arg(Ephemeral.channel(redis))).<Void>mapEmpty();
    }).onSuccess(v -> backoffMs = BACKOFF_MIN_MS);
  }

  private void retry(Throwable err) {
    if (stopped || conn == null) {
      return;
    }
    RedisConnection broken = conn;
    conn = null;
    broken.close();
    if (client != null) {
      client.close();
      client = null;
    }
    LOG.warn("ephemeral events lost Redis ({}); subscribing again in {} ms", err.toString(), backoffMs);
    long delay = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    vertx.setTimer(delay, t -> {
      if (!stopped) {
        subscribe().onFailure(this::retryLater);
      }
    });
  }

  private void retryLater(Throwable err) {
    long delay = backoffMs;
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    vertx.setTimer(delay, t -> {
      if (!stopped) {
        subscribe().onFailure(this::retryLater);
      }
    });
  }

  // A pub/sub push: ["message", channel, payload] (RESP2 multi-bulk or RESP3 push).
  private void message(Response r) {
    if (r == null || (r.type() != ResponseType.PUSH && r.type() != ResponseType.MULTI) || r.size() < 3
        || !"message".equals(r.get(0).toString())) {
      return;
    }
    String text = r.get(2).toString();
    try {
      JsonObject event = new JsonObject(text);
      long account = Long.parseLong(event.getString("accountId"));
      hub.publish(List.of(new LiveEvent(null, account, text)));
    } catch (RuntimeException e) {
      LOG.debug("ephemeral message without an account: dropped");
    }
  }
}
