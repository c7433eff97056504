package dev.switchboard.auth;

import dev.switchboard.common.Principal;
import dev.switchboard.common.Tokens;
import dev.switchboard.common.ApiException;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Sign-in sessions: one PostgreSQL row per sign-in, a refresh token that rotates on every use,
 * short-lived access tokens that name their session and the user's {@code token_version}.
 * Every request (and every bridge socket, every second) is checked against Redis: a revoked
 * session ({@code sess:revoked:<id>}) or a bumped version ({@code user:ver:<id>}) ends it on every
 * node at once. Redis holds a cache; PostgreSQL is the truth and answers when Redis cannot.
 */
public final class Sessions {

  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final RedisStore redis;
  private final Tokens tokens;
  private final int accessSeconds;
  private final Duration lifetime;
  private final Clock clock;
  // a refresh token used again this soon after its rotation is a page that reloaded before the
  // answer arrived, or another tab racing the first, not a stolen copy: it gets the same answer
  // again, not a revoked session
  private final Duration reuseGrace;
  // the next refresh secret is an HMAC of the one presented under this key, so a rotation can be
  // answered again (its answer lost to a reload) without the secret being stored anywhere
  private final byte[] rotationKey;

  public Sessions(Pool pool, RedisStore redis, Tokens tokens, int accessSeconds, Duration lifetime, Duration reuseGrace,
                  String jwtSecret, Clock clock) {
    this.reuseGrace = reuseGrace;
    this.rotationKey = hmac(jwtSecret.getBytes(StandardCharsets.UTF_8), "switchboard refresh rotation".getBytes(StandardCharsets.UTF_8));
    this.pool = pool;
    this.redis = redis;
    this.tokens = tokens;
    this.accessSeconds = accessSeconds;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /** The node's sessions: ACCESS_TOKEN_SECONDS (900), SESSION_DAYS (30), REFRESH_REUSE_GRACE_MS (10,000). */
  public static Sessions of(Pool pool, RedisStore redis, Tokens tokens, dev.switchboard.config.Config.Auth auth, Clock clock) {
    return new Sessions(pool, redis, tokens, auth.accessTokenSeconds(), Duration.ofDays(auth.sessionDays()),
        Duration.ofMillis(auth.refreshReuseGraceMs()), auth.jwtSecret(), clock);
  }

  /** What a sign-in or a refresh answers, and the refresh token for the cookie. */
  public record Issued(JsonObject body, String refreshToken, long maxAgeSeconds) {
  }

  /** The user an access token is made for. */
  record Account(long userId, long accountId, String role, String name, String email, int version) {
    static Account of(Row r) {
      return new Account(r.getLong("id"), r.getLong("account_id"), r.getString("role"), r.getString("name"),
          r.getString("email"), r.getInteger("token_version"));
    }
  }

  /** After a right password: a new session with its first refresh and access tokens. */
  Future<Issued> open(Account user) {
    UUID id = UUID.randomUUID();
    byte[] secret = secret();
    OffsetDateTime expires = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).plus(lifetime);
    return pool.preparedQuery(SessionSql.INSERT)
        .execute(Tuple.of(id, user.userId(), user.accountId(), Buffer.buffer(sha256(secret)), expires))
        .map(v -> issued(user, id, secret));
  }

  /**
   * Rotates a refresh token: the current one gets a new pair. The one before it, presented again
   * within {@code REFRESH_REUSE_GRACE_MS} of the rotation, gets that rotation's answer again (the
   * same next refresh token, a fresh access token): a page that reloaded while its refresh was
   * under way never saw the new cookie, and must not be signed out for it. Presented later, it
   * revokes the session (someone else holds a copy).
   */
  public Future<Issued> refresh(String refreshToken) {
    Parsed parsed = Parsed.of(refreshToken);
    if (parsed == null) {
      return Future.failedFuture(ApiException.unauthorized("the refresh token is not valid"));
    }
    byte[] presented = sha256(parsed.secret());
    // the transaction answers the new pair, or null for a replayed token: the revocation it wrote
    // must commit before the refusal goes out
    return pool.withTransaction(tx -> tx.preparedQuery(SessionSql.FOR_REFRESH).execute(Tuple.of(parsed.id(), reuseGrace.toMillis()))
        .compose(rows -> {
          Row r = rows.size() == 0 ? null : rows.iterator().next();
          OffsetDateTime now = OffsetDateTime.now(clock);
          if (r == null || r.getOffsetDateTime("revoked_at") != null || !r.getBoolean("active")
              || r.getOffsetDateTime("expires_at").isBefore(now)) {
            return Future.failedFuture(ended());
          }
          Account user = Account.of(r);
          byte[] next = next(parsed);
          if (MessageDigest.isEqual(presented, bytes(r, "refresh_hash"))) {
            return tx.preparedQuery(SessionSql.ROTATE).execute(Tuple.of(parsed.id(), Buffer.buffer(sha256(next))))
                .map(v -> issued(user, parsed.id(), next));
          }
          byte[] previous = bytes(r, "previous_hash");
          if (previous != null && MessageDigest.isEqual(presented, previous)) {
            if (Boolean.TRUE.equals(r.getBoolean("in_grace"))) {
              // the rotation's own answer, unless a node with another JWT_SECRET made it: then the
              // client's newer cookie is the way on
              return MessageDigest.isEqual(sha256(next), bytes(r, "refresh_hash"))
                  ? Future.succeededFuture(issued(user, parsed.id(), next))
                  : Future.failedFuture(ApiException.conflict("refresh_in_progress",
                      "this session was just refreshed; use the newer refresh token"));
            }
            LOG.warn("refresh token reused for session {} of user {}: revoking the session", parsed.id(), user.userId());
            return tx.preparedQuery(SessionSql.REVOKE).execute(Tuple.of(parsed.id())).map((Issued) null);
          }
          return Future.failedFuture(ended());
        }))
        .compose(issued -> issued != null ? Future.succeededFuture(issued) : publishRevoked(parsed.id())
            .compose(v -> Future.failedFuture(ApiException.unauthorized("this refresh token was already used; the session is revoked"))));
  }

  /** The refresh secret that follows the one presented: as unguessable as a random one to anyone without the key. */
  private byte[] next(Parsed presented) {
    return hmac(rotationKey, (presented.id() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(presented.secret()))
        .getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Logs a session out: its refresh token stops working, and so do its access tokens on every node. */
  public Future<Void> revoke(String sessionId) {
    UUID id = uuid(sessionId);
    if (id == null) {
      return Future.succeededFuture();
    }
    return pool.withConnection(c -> revoke(c, id));
  }

  private Future<Void> revoke(SqlConnection c, UUID id) {
    return c.preparedQuery(SessionSql.REVOKE).execute(Tuple.of(id)).compose(v -> publishRevoked(id));
  }

  // every node's check reads this key; it outlives the session's last access token
  private Future<Void> publishRevoked(UUID id) {
    return redis.api().set(List.of(revokedKey(id.toString()), "1", "EX", String.valueOf(accessSeconds + 60))).mapEmpty();
  }

  /**
   * Ends every session and token of a user (role or password changed, deactivated), inside the
   * caller's transaction: their version goes up and their sessions are revoked. After the commit
   * the caller hands the new version to {@link #publish}, which every node checks.
   */
  public Future<Integer> endAll(SqlConnection tx, long userId) {
    return tx.preparedQuery(SessionSql.BUMP_VERSION).execute(Tuple.of(userId))
        .compose(rows -> {
          int version = rows.iterator().next().getInteger(0);
          return tx.preparedQuery(SessionSql.REVOKE_ALL).execute(Tuple.of(userId)).map(version);
        });
  }

  /** Makes a committed version bump effective on every node (a plain SET: it always wins over a cache fill's NX). */
  public Future<Void> publish(long userId, int version) {
    return redis.api().set(List.of(versionKey(userId), String.valueOf(version))).mapEmpty();
  }

  /** Fails with 401 when the token's session was revoked or its user's version moved on. */
  public Future<Void> check(Principal p) {
    List<String> keys = new ArrayList<>(List.of(versionKey(p.userId()), revokedKey(p.sessionId() == null ? "-" : p.sessionId())));
    // a Redis that does not answer in time is passed over for PostgreSQL, never waited on
    return redis.getAll(keys).timeout(2, TimeUnit.SECONDS)
        .compose(r -> {
          boolean revoked = r.get(1) != null;
          Response cached = r.get(0);
          if (revoked) {
            return Future.succeededFuture(false);
          }
          if (cached != null) {
            return Future.succeededFuture(p.version() >= cached.toInteger());
          }
          return fromDatabase(p).compose(version -> redis.api()
              .set(List.of(versionKey(p.userId()), String.valueOf(version), "NX", "EX", "3600"))
              .map(v -> p.version() >= version));
        }, err -> {
          LOG.debug("session check falls back on PostgreSQL: {}", err.toString());
          return fromDatabase(p).compose(version -> p.sessionId() == null
              ? Future.succeededFuture(p.version() >= version)
              : pool.preparedQuery(SessionSql.REVOKED).execute(Tuple.of(uuid(p.sessionId())))
                  .map(rows -> p.version() >= version && (rows.size() == 0 || rows.iterator().next().getOffsetDateTime(0) == null)));
        })
        .compose(ok -> ok ? Future.succeededFuture() : Future.failedFuture(
            new ApiException(401, "token_revoked", "this session has ended; sign in again")));
  }

  // The user's current version; a deactivated (or deleted) user has none a token can reach.
  private Future<Integer> fromDatabase(Principal p) {
    return pool.preparedQuery(SessionSql.VERSION).execute(Tuple.of(p.userId())).map(rows -> {
      Row r = rows.size() == 0 ? null : rows.iterator().next();
      return r == null || !r.getBoolean("active") ? Integer.MAX_VALUE : r.getInteger("token_version");
    });
  }

  /** The request handler every authenticated API route passes through, after the JWT check. */
  public Handler<RoutingContext> guard() {
    return ctx -> {
      Principal p = Principal.of(ctx);
      if (p.isApiKey()) {
        // a key has no session: ApiKeys checked its revocation as it authenticated it
        ctx.next();
        return;
      }
      // the body waits (BodyHandler, next on the route, resumes it) while Redis answers
      ctx.request().pause();
      check(p).onSuccess(v -> ctx.next()).onFailure(ctx::fail);
    };
  }

  /** For the bridge's sweep: the keys to read for a socket's token, in {@link #stillValid} order. */
  public List<String> keys(Principal p) {
    return List.of(versionKey(p.userId()), revokedKey(p.sessionId() == null ? "-" : p.sessionId()));
  }

  /** A cache miss tells nothing (the next request fills it); only a revocation or a newer version ends a socket. */
  public static boolean stillValid(Principal p, Response version, Response revoked) {
    return revoked == null && (version == null || p.version() >= version.toInteger());
  }

  public String versionKey(long userId) {
    return redis.key("user:ver:" + userId);
  }

  private String revokedKey(String sessionId) {
    return redis.key("sess:revoked:" + sessionId);
  }

  private Issued issued(Account user, UUID sessionId, byte[] secret) {
    String refresh = sessionId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String access = tokens.issue(user.userId(), user.accountId(), user.role(), user.name(), sessionId.toString(),
        user.version(), accessSeconds);
    JsonObject body = new JsonObject()
        .put("token", access)
        .put("refreshToken", refresh)
        .put("expiresIn", accessSeconds)
        .put("user", new JsonObject()
            .put("id", String.valueOf(user.userId()))
            .put("name", user.name())
            .put("email", user.email())
            .put("role", user.role())
            .put("accountId", String.valueOf(user.accountId())));
    return new Issued(body, refresh, lifetime.toSeconds());
  }

  private static ApiException ended() {
    return ApiException.unauthorized("the session has ended; sign in again");
  }

  private static byte[] bytes(Row r, String column) {
    Buffer b = r.getBuffer(column);
    return b == null ? null : b.getBytes();
  }

  private static byte[] secret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UUID uuid(String s) {
    try {
      return s == null ? null : UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** {@code <session uuid>.<43 base64url characters>}. */
  private record Parsed(UUID id, byte[] secret) {
    static Parsed of(String token) {
      if (token == null || token.length() > 100) {
        return null;
      }
      int dot = token.indexOf('.');
      UUID id = dot < 0 ? null : uuid(token.substring(0, dot));
      if (id == null) {
        return null;
      }
      try {
        byte[] secret = Base64.getUrlDecoder().decode(token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
        return secret.length == 32 ? new Parsed(id, secret) : null;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }
}
