package dev.switchboard.auth;

import dev.switchboard.common.AccountLimit;
import dev.switchboard.events.Event;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Times;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * API keys: a system's bearer for {@code /api/v1}, {@code sbk_} and 43 base64url characters (256
 * random bits). Only the SHA-256 of the secret is stored: a random 256-bit secret cannot be found
 * from its hash by guessing, so a slow password hash would add cost per request and no safety,
 * and a plain digest lets each request find its key through a unique index.
 * <p>
 * A node keeps a key it has read for {@link #CACHE_SECONDS}; every request also asks Redis, in one
 * script, whether the key was revoked ({@code apikey:{<id>}:revoked}, set by a revocation on any
 * node and kept longer than any node's copy) and counts it against the key's
 * {@code API_KEY_RATE_PER_MINUTE}. PostgreSQL is the truth and answers when Redis cannot.
 */
public final class ApiKeys {

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final String PREFIX = "sbk_";
  public static final List<String> SCOPES = List.of("read", "write", "send");
  /** Live keys per account: enough for every system a business connects, bounded all the same. */
  static final int MAX_PER_ACCOUNT = 100;
  private static final AccountLimit LIMIT =
      new AccountLimit("api_keys", ApiKeySql.COUNT_LIVE, MAX_PER_ACCOUNT, "too_many_keys", "API keys; revoke one first");
  static final int NAME_MAX = 100;
  /** How long a node trusts its copy of a key; the revocation flag outlives it. */
  static final int CACHE_SECONDS = 30;
  private static final int CACHE_MAX = 10_000;

  // KEYS[1] revoked flag, KEYS[2] this minute's count, KEYS[3] the account's disabled flag; ARGV[1]
  // limit, ARGV[2] window ms. Answers -1 for a revoked key or a disabled account, else the ms until
  // the window ends when over the limit, else 0.
  private static final String ADMIT = """
      if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
      local n = redis.call('INCR', KEYS[2])
      if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
      if n > tonumber(ARGV[1]) then return math.max(redis.call('PTTL', KEYS[2]), 1) end
      return 0
      """;

  private final Transactions tx;
  private final Pool pool;
  private final RedisStore redis;
  private final int perMinute;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Principal caller, long loadedAt, long touchedAt) {
  }

  public ApiKeys(Transactions tx, RedisStore redis, int perMinute) {
    this.tx = tx;
    this.pool = tx.pool();
    this.redis = redis;
    this.perMinute = perMinute;
  }

  /** True when the request's bearer is an API key (it is then never read as a JWT). */
  public static boolean presented(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    return h != null && h.regionMatches(true, 0, "Bearer " + PREFIX, 0, 7 + PREFIX.length());
  }

  /** Makes a key; the answer carries the secret, which is never shown again. */
  public Future<JsonObject> create(Principal admin, String name, List<String> scopes) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return tx.run(ev -> LIMIT.room(ev.conn(), admin.accountId())
        .compose(v -> ev.conn().preparedQuery(ApiKeySql.INSERT).execute(Tuple.of(admin.accountId(), name,
            scopes.toArray(new String[0]), Buffer.buffer(Sessions.sha256(secret)), admin.userId())))
        .map(rows -> {
          JsonObject view = view(rows.iterator().next());
          ev.add(Event.settingsChanged(admin.accountId(), "integrations", Long.parseLong(view.getString("id")), false));
          return view.put("secret", token);
        }));
  }

  /** The account's live keys (never their secrets). */
  public Future<JsonObject> list(long accountId) {
    return pool.preparedQuery(ApiKeySql.LIST).execute(Tuple.of(accountId)).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(view(r)));
      return new JsonObject().put("items", items);
    });
  }

  /** Id and name of the account's keys, revoked ones too, for showing who sent a message ("API: name"). */
  public Future<JsonObject> names(long accountId) {
    return pool.preparedQuery(ApiKeySql.NAMES).execute(Tuple.of(accountId)).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(new JsonObject().put("id", String.valueOf(r.getLong("id")))
          .put("name", r.getString("name")).put("revoked", r.getBoolean("revoked"))));
      return new JsonObject().put("items", items);
    });
  }

  /**
   * Revokes a key of the account: the row first (the truth), then the flag every node reads on
   * every request, so the key answers 401 at once everywhere. 404 for a key of another account.
   */
  public Future<Void> revoke(long accountId, long id) {
    // answered at the commit, not after the relay: until the flag below is set the key still
    // works on nodes that cached it
    return tx.runAndWake(ev -> ev.conn().preparedQuery(ApiKeySql.REVOKE).execute(Tuple.of(id, accountId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.<Void>failedFuture(ApiException.notFound("API key"));
      }
      ev.add(Event.settingsChanged(accountId, "integrations", id, true));
      return Future.<Void>succeededFuture();
    })).compose(v -> {
      cache.values().removeIf(c -> c.caller().apiKeyId() == id);
      return redis.api().set(List.of(revokedKey(id), "1", "EX", String.valueOf(CACHE_SECONDS + 60))).mapEmpty();
    });
  }

  /** The handler in place of the JWT check for a key's request: 401 unknown or revoked, 429 over its rate. */
  public void authenticate(RoutingContext ctx) {
    byte[] hash = hashOf(ctx.request().getHeader("Authorization").substring(7).trim());
    if (hash == null) {
      ctx.fail(ApiException.unauthorized("the API key is not valid"));
      return;
    }
    String cacheKey = HexFormat.of().formatHex(hash);
    long now = System.currentTimeMillis();
    Cached c = cache.get(cacheKey);
    Future<Cached> found = c != null && now - c.loadedAt() < CACHE_SECONDS * 1000L
        ? Future.succeededFuture(c)
        : load(cacheKey, hash, now);
    found.compose(k -> k == null
            ? Future.failedFuture(ApiException.unauthorized("the API key is not valid or was revoked"))
            : admit(k.caller()).map(k))
        .onSuccess(k -> {
          touch(cacheKey, k, now);
          ctx.put(Principal.API_KEY_CALLER, k.caller());
          ctx.next();
        })
        .onFailure(ctx::fail);
  }

  private Future<Cached> load(String cacheKey, byte[] hash, long now) {
    return pool.preparedQuery(ApiKeySql.BY_HASH).execute(Tuple.of(Buffer.buffer(hash))).map(rows -> {
      if (rows.size() == 0) {
        cache.remove(cacheKey);
        return null;
      }
      Row r = rows.iterator().next();
      Principal caller = Principal.ofApiKey(r.getLong("id"), r.getLong("account_id"), r.getString("name"),
          List.of(r.getArrayOfStrings("scopes")));
      if (cache.size() >= CACHE_MAX) {
        cache.clear();
      }
      Cached fresh = new Cached(caller, now, 0);
      cache.put(cacheKey, fresh);
      return fresh;
    });
  }

  // Revoked on any node (the key or its account), or over its rate: two Redis round trips. A Redis that does not answer in
  // time is passed over for PostgreSQL's revocation, and the rate is not counted meanwhile.
  private Future<Void> admit(Principal caller) {
    long id = caller.apiKeyId();
    // the account's flag is its own key (its own Redis Cluster slot), read before the key's script
    return redis.api().exists(List.of(accountOffKey(redis, caller.accountId())))
        .compose(off -> off != null && off.toInteger() > 0 ? Future.succeededFuture(-1L)
            : redis.api().eval(List.of(ADMIT, "2", revokedKey(id), rateKey(id), String.valueOf(perMinute), "60000"))
                .map(r -> r == null ? 0L : r.toLong()))
        .timeout(2, TimeUnit.SECONDS)
        .recover(err -> {
          LOG.debug("API key check falls back on PostgreSQL: {}", err.toString());
          return pool.preparedQuery(ApiKeySql.REVOKED).execute(Tuple.of(id))
              .map(rows -> rows.size() == 0 || rows.iterator().next().getBoolean(0) ? -1L : 0L);
        })
        .compose(ms -> {
          if (ms < 0) {
            return Future.failedFuture(ApiException.unauthorized("the API key was revoked"));
          }
          if (ms > 0) {
            long seconds = Math.max(1, (ms + 999) / 1000);
            return Future.failedFuture(new ApiException(429, "rate_limited",
                "this API key made more than " + perMinute + " requests this minute; retry in " + seconds + " s")
                .retryAfter(seconds));
          }
          return Future.succeededFuture();
        });
  }

  // last use, written at most once a minute per key on this node (the SQL also skips a fresh one)
  private void touch(String cacheKey, Cached k, long now) {
    if (now - k.touchedAt() < 60_000) {
      return;
    }
    cache.computeIfPresent(cacheKey, (h, c) -> new Cached(c.caller(), c.loadedAt(), now));
    pool.preparedQuery(ApiKeySql.TOUCH).execute(Tuple.of(k.caller().apiKeyId()))
        .onFailure(err -> LOG.debug("last use of API key {} not written: {}", k.caller().apiKeyId(), err.toString()));
  }

  /**
   * Marks (or clears) an account as disabled for every node's key check, so its keys answer 401 at
   * the next request instead of when the node's copy expires; the flag lasts as long as the
   * disabling (PostgreSQL, read when a copy is loaded, stays the truth).
   */
  static Future<Void> markAccount(RedisStore redis, long accountId, boolean disabled) {
    if (redis == null) {
      return Future.succeededFuture();
    }
    String key = accountOffKey(redis, accountId);
    return (disabled ? redis.api().set(List.of(key, "1")) : redis.api().del(List.of(key))).mapEmpty();
  }

  private static String accountOffKey(RedisStore redis, long accountId) {
    return redis.key("apikey:account-off:" + accountId);
  }

  // one hash tag per key id: the admit script reads both keys, so they share a Redis Cluster slot
  private String revokedKey(long id) {
    return redis.key("apikey:{" + id + "}:revoked");
  }

  private String rateKey(long id) {
    return redis.key("apikey:{" + id + "}:rate");
  }

  /** The SHA-256 of a well-formed key's secret, or null. */
  static byte[] hashOf(String token) {
    if (token.length() != PREFIX.length() + 43 || !token.startsWith(PREFIX)) {
      return null;
    }
    try {
      byte[] secret = Base64.getUrlDecoder().decode(token.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII));
      return secret.length == 32 ? Sessions.sha256(secret) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static JsonObject view(Row r) {
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("name", r.getString("name"))
        .put("scopes", new JsonArray(new ArrayList<>(List.of(r.getArrayOfStrings("scopes")))))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        .put("lastUsedAt", Times.iso(r.getOffsetDateTime("last_used_at")));
  }
}
