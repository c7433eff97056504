package dev.switchboard.presence;

import java.time.Clock;
import io.vertx.sqlclient.Pool;
import dev.switchboard.store.RedisStore;
import dev.switchboard.common.Times;
import dev.switchboard.config.Config;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is online, shared by every node through Redis. Each node holds a lease per agent it has at
 * least one registered bridge socket for ({@code <account>:<user>:<node>} in one sorted set, the
 * score its expiry). The node renews its leases every third of {@code PRESENCE_NODE_TTL_MS}; when
 * an agent's last socket on it closes, the lease is cut to {@code PRESENCE_OFFLINE_AFTER_MS} from
 * now; a killed node renews nothing, so its leases lapse on their own. An agent is online while
 * they hold a lease on any node. Lua scripts keep a per-account count of leases per agent and the
 * set of online agents, so the online and offline transitions are each seen by exactly one node,
 * which publishes {@code agent.presence}.
 *
 * <p>Availability ({@code available}/{@code away}) is the agent's choice and is kept in PostgreSQL
 * ({@code users.availability}): it must outlive a Redis restart. One instance per node (Vert.x
 * instance), shared by its event loops.
 */
public final class Presence {

  private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

  public static final String ONLINE = "online";
  public static final String OFFLINE = "offline";
  public static final String AVAILABLE = "available";
  public static final String AWAY = "away";

  // KEYS: leases, counts of the account, online set of the account; ARGV: account, user, node, expiry
  private static final String LEASE = """
      local m = ARGV[1] .. ':' .. ARGV[2] .. ':' .. ARGV[3]
      if redis.call('ZADD', KEYS[1], ARGV[4], m) == 1 then
        if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then
          redis.call('SADD', KEYS[3], ARGV[2])
          return 1
        end
      end
      return 0""";

  // KEYS: leases; ARGV: now, key prefix of the per-account keys, limit. Answers "account:user" of those gone offline.
  private static final String SWEEP = """
      local gone = {}
      local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
      for _, m in ipairs(expired) do
        redis.call('ZREM', KEYS[1], m)
        local acc, user = string.match(m, '^(%d+):(%d+):')
        if acc then
          local counts = ARGV[2] .. 'count:' .. acc
          if redis.call('HINCRBY', counts, user, -1) <= 0 then
            redis.call('HDEL', counts, user)
            redis.call('SREM', ARGV[2] .. 'online:' .. acc, user)
            table.insert(gone, acc .. ':' .. user)
          end
        end
      end
      return gone""";

  private static final String AVAILABILITY = "SELECT id, name, availability FROM users WHERE id = $1 AND account_id = $2";
  private static final String SET_AVAILABILITY =
      "UPDATE users SET availability = $3 WHERE id = $1 AND account_id = $2 AND active RETURNING id, name, availability";
  /** Capacity may have freed up: conversations waiting for an agent are tried again at once. */
  private static final String WAKE_ASSIGNER = """
      INSERT INTO assign_wakes (account_id, woke_at, generation) SELECT $1, clock_timestamp(), 1
       WHERE EXISTS (SELECT 1 FROM assign_queue q WHERE q.account_id = $1)
      ON CONFLICT (account_id) DO UPDATE SET woke_at = EXCLUDED.woke_at, generation = assign_wakes.generation + 1""";

  private final Pool pool;
  private final RedisStore redis;
  private final Clock clock;
  private final Config.Presence config;
  private final String node;
  // registered sockets per "account:user" on this node, across its event loops
  private final Map<String, Integer> held = new ConcurrentHashMap<>();

  /** One per node: the node's sockets of every event loop count in {@code held}. */
  public Presence(Pool pool, RedisStore redis, Clock clock, Config.Presence config, String nodeId) {
    this.pool = pool;
    this.redis = redis;
    this.clock = clock;
    this.config = config;
    this.node = nodeId;
  }

  private String key(String name) {
    return redis.key("{presence}:" + name);
  }

  private String leases() {
    return key("leases");
  }

  /** A bridge socket of this agent registered on this node. */
  public void opened(long accountId, long userId) {
    if (held.merge(accountId + ":" + userId, 1, Integer::sum) == 1) {
      lease(accountId, userId);
    }
  }

  /** A registered bridge socket of this agent closed on this node. */
  public void closed(long accountId, long userId) {
    String k = accountId + ":" + userId;
    boolean[] last = {false};
    held.compute(k, (key, n) -> {
      if (n == null || n <= 1) {
        last[0] = n != null;
        return null;
      }
      return n - 1;
    });
    if (last[0]) {
      // the lease stays for the grace period: a reload or a short network loss does not flap them offline
      long until = clock.millis() + config.offlineAfterMs();
      redis.api().zadd(List.of(leases(), "XX", String.valueOf(until), k + ":" + node))
          .onFailure(err -> LOG.debug("presence: cutting a lease failed: {}", err.toString()));
    }
  }

  private Future<Void> lease(long accountId, long userId) {
    long expiry = clock.millis() + config.nodeTtlMs();
    return redis.api().eval(List.of(LEASE, "3", leases(), key("count:" + accountId), key("online:" + accountId),
            String.valueOf(accountId), String.valueOf(userId), node, String.valueOf(expiry)))
        .compose(r -> r != null && r.toInteger() == 1 ? changed(accountId, userId, true) : Future.<Void>succeededFuture())
        .onFailure(err -> LOG.debug("presence: lease failed: {}", err.toString()));
  }

  /** Renews this node's leases (every third of the node TTL). */
  public Future<Void> heartbeat() {
    List<Future<Void>> all = new ArrayList<>();
    for (String k : held.keySet()) {
      String[] parts = k.split(":");
      all.add(lease(Long.parseLong(parts[0]), Long.parseLong(parts[1])).otherwiseEmpty());
    }
    return Future.join(all).mapEmpty();
  }

  /** Ends expired leases; an agent whose last lease ended goes offline (published by whichever node ended it). */
  public Future<Void> sweep() {
    return redis.api().eval(List.of(SWEEP, "1", leases(), String.valueOf(clock.millis()), key(""), "1000"))
        .compose(r -> {
          List<Future<Void>> all = new ArrayList<>();
          if (r != null) {
            for (Response gone : r) {
              String[] parts = gone.toString().split(":");
              all.add(changed(Long.parseLong(parts[0]), Long.parseLong(parts[1]), false));
            }
          }
          return Future.join(all).mapEmpty();
        });
  }

  /** The account's online agents. */
  public Future<Set<Long>> online(long accountId) {
    return redis.api().smembers(key("online:" + accountId)).map(r -> {
      Set<Long> out = new HashSet<>();
      if (r != null) {
        for (Response id : r) {
          out.add(Long.parseLong(id.toString()));
        }
      }
      return out;
    });
  }

  /** Sets an agent's availability; answers their presence view, and publishes it. */
  public Future<JsonObject> setAvailability(long accountId, long userId, String availability) {
    return pool.preparedQuery(SET_AVAILABILITY).execute(Tuple.of(userId, accountId, availability))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(dev.switchboard.common.ApiException.notFound("agent"));
          }
          var row = rows.iterator().next();
          return online(accountId).compose(on -> {
            JsonObject view = view(userId, on.contains(userId), row.getString("availability"));
            return publish(accountId, view).compose(v -> AVAILABLE.equals(availability) ? wake(accountId) : Future.succeededFuture())
                .map(view);
          });
        });
  }

  private Future<Void> changed(long accountId, long userId, boolean online) {
    return pool.preparedQuery(AVAILABILITY).execute(Tuple.of(userId, accountId)).compose(rows -> {
      String availability = rows.size() == 0 ? AVAILABLE : rows.iterator().next().getString("availability");
      Future<Void> woke = online ? wake(accountId) : Future.succeededFuture();
      return woke.compose(v -> publish(accountId, view(userId, online, availability)));
    }).onFailure(err -> LOG.debug("presence: publishing a change failed: {}", err.toString()));
  }

  private Future<Void> wake(long accountId) {
    return pool.preparedQuery(WAKE_ASSIGNER).execute(Tuple.of(accountId)).mapEmpty();
  }

  private Future<Void> publish(long accountId, JsonObject agent) {
    return Ephemeral.publish(redis, new JsonObject()
        .put("type", "agent.presence")
        .put("accountId", String.valueOf(accountId))
        .put("agent", agent)
        .put("at", Times.iso(clock.instant())));
  }

  /** {@code {id, presence, availability}}. */
  public static JsonObject view(long userId, boolean online, String availability) {
    return new JsonObject().put("id", String.valueOf(userId)).put("presence", online ? ONLINE : OFFLINE)
        .put("availability", availability);
  }
}
