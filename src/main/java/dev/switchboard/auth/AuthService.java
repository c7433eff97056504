package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Login, and the first account and admin on an empty database. */
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class AuthService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
  // verified when the email is unknown too, so a login's timing does not say which emails exist;
  // one per iteration count, made on first use off the event loop
  private static final Map<Integer, String> DUMMY_HASHES = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final Pool pool;
  private final int iterations;

  public AuthService(Vertx vertx, Pool pool) {
    this(vertx, pool, Passwords.ITERATIONS);
  }

  /** @param iterations PBKDF2 iterations for new hashes; weaker stored ones are upgraded at sign-in */
  public AuthService(Vertx vertx, Pool pool, int iterations) {
    this.vertx = vertx;
    this.pool = pool;
    this.iterations = iterations;
  }

  /**
   * The e-mail as sign-in looks it up (the statement compares it lower-cased): every spelling
   * that finds a user must count against that user's one sign-in budget (see LoginThrottle).
   */
  static String signInEmail(String email) {
    return email.trim();
  }

  /** The user behind a right e-mail and password, or 401 (also for a deactivated user). */
  Future<Sessions.Account> authenticate(String email, String password) {
    return pool.preparedQuery(AuthSql.USER_BY_EMAIL).execute(Tuple.of(signInEmail(email)))
        .compose(rows -> {
          Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
          return vertx.executeBlocking(() -> {
                String stored = row == null
                    ? DUMMY_HASHES.computeIfAbsent(iterations, n -> Passwords.hash("not-a-password", n))
                    : row.getString("password_hash");
                return Passwords.verify(password, stored);
              })
              .map(ok -> {
                if (!ok || row == null || !row.getBoolean("active")) {
                  throw ApiException.unauthorized("wrong email or password");
                }
                upgrade(row.getLong("id"), password, row.getString("password_hash"));
                return Sessions.Account.of(row);
              });
        });
  }

  /**
   * Replaces a user's password after checking the current one (422 {@code wrong_password}
   * otherwise), and ends every other session and token of theirs; answers the user as they are
   * now, for a fresh session.
   */
  Future<Sessions.Account> changePassword(long userId, String current, String next, Sessions sessions) {
    return pool.preparedQuery(AuthSql.USER_BY_ID).execute(Tuple.of(userId)).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      if (row == null || !row.getBoolean("active")) {
        return Future.failedFuture(ApiException.unauthorized("the session has ended; sign in again"));
      }
      String stored = row.getString("password_hash");
      return vertx.executeBlocking(() -> Passwords.verify(current, stored) ? Passwords.hash(next, iterations) : null)
          .compose(hash -> {
            if (hash == null) {
              return Future.failedFuture(ApiException.unprocessable("wrong_password", "the current password is not right"));
            }
            return pool.withTransaction(tx -> tx.preparedQuery(AuthSql.SET_PASSWORD).execute(Tuple.of(userId, hash))
                .compose(v -> sessions.endAll(tx, userId))
                .compose(version -> tx.preparedQuery(AuthSql.USER_BY_ID).execute(Tuple.of(userId))))
                .compose(updated -> {
                  Sessions.Account user = Sessions.Account.of(updated.iterator().next());
                  return sessions.publish(userId, user.version()).map(user);
                });
          });
    });
  }

  // A hash made with fewer iterations than today's is re-made while the password is at hand; the
  // sign-in does not wait for it, and a password changed meanwhile is left alone.
  private void upgrade(long userId, String password, String stored) {
    if (Passwords.iterationsOf(stored) >= iterations) {
      return;
    }
    vertx.executeBlocking(() -> Passwords.hash(password, iterations))
        .compose(hash -> pool.preparedQuery(AuthSql.UPGRADE_HASH).execute(Tuple.of(userId, stored, hash)))
        .onFailure(err -> LOG.warn("could not upgrade the password hash of user {}: {}", userId, err.toString()));
  }

  /** Creates an account and its admin; answers {@code {accountId, userId}}. */
  public Future<JsonObject> createAccount(String accountName, String adminName, String email, String password) {
    return vertx.executeBlocking(() -> Passwords.hash(password, iterations)).compose(hash ->
        pool.withTransaction(conn -> conn.preparedQuery(AuthSql.INSERT_ACCOUNT).execute(Tuple.of(accountName))
            .compose(acc -> {
              long accountId = acc.iterator().next().getLong(0);
              return conn.preparedQuery(AuthSql.INSERT_USER)
                  .execute(Tuple.of(accountId, adminName, email.trim(), hash, "admin"))
                  .map(u -> new JsonObject()
                      .put("accountId", accountId)
                      .put("userId", u.iterator().next().getLong(0)));
            })));
  }

  /**
   * With ADMIN_EMAIL and ADMIN_PASSWORD on a database with no user, creates the first account;
   * answers whether it did (the main command prints a generated password only then).
   */
  public Future<Boolean> seedAdmin(String email, String password) {
    if (email == null || password == null) {
      return Future.succeededFuture(false);
    }
    return pool.query(AuthSql.ANY_USER).execute().compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture(false);
      }
      String name = email.contains("@") ? email.substring(0, email.indexOf('@')) : email;
      return createAccount("Default", name, email, password)
          .onSuccess(r -> LOG.info("created the first account {} and its admin {}", r.getLong("accountId"), email))
          .map(true);
    });
  }
}
