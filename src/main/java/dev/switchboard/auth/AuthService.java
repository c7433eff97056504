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
  private final Tokens tokens;
  private final int iterations;

  public AuthService(Vertx vertx, Pool pool, Tokens tokens) {
    this(vertx, pool, tokens, Passwords.ITERATIONS);
  }

  /** @param iterations PBKDF2 iterations for new hashes; weaker stored ones are upgraded at sign-in */
  public AuthService(Vertx vertx, Pool pool, Tokens tokens, int iterations) {
    this.vertx = vertx;
    this.pool = pool;
    this.tokens = tokens;
    this.iterations = iterations;
  }

  /** Answers {@code {token, user}} or fails with 401. */
  public Future<JsonObject> login(String email, String password) {
    return pool.preparedQuery(AuthSql.USER_BY_EMAIL).execute(Tuple.of(email.trim()))
        .compose(rows -> {
          Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
          return vertx.executeBlocking(() -> {
                String stored = row == null
                    ? DUMMY_HASHES.computeIfAbsent(iterations, n -> Passwords.hash("not-a-password", n))
                    : row.getString("password_hash");
                return Passwords.verify(password, stored);
              })
              .map(ok -> {
                if (!ok || row == null) {
                  throw ApiException.unauthorized("wrong email or password");
                }
                long id = row.getLong("id");
                upgrade(id, password, row.getString("password_hash"));
                long account = row.getLong("account_id");
                String role = row.getString("role");
                String name = row.getString("name");
                return new JsonObject()
                    .put("token", tokens.issue(id, account, role, name))
                    .put("user", new JsonObject()
                        .put("id", String.valueOf(id))
                        .put("name", name)
                        .put("email", row.getString("email"))
                        .put("role", role)
                        .put("accountId", String.valueOf(account)));
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

  /** With ADMIN_EMAIL and ADMIN_PASSWORD on a database with no user, creates the first account. */
  public Future<Void> seedAdmin(String email, String password) {
    if (email == null || password == null) {
      return Future.succeededFuture();
    }
    return pool.query(AuthSql.ANY_USER).execute().compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture();
      }
      String name = email.contains("@") ? email.substring(0, email.indexOf('@')) : email;
      return createAccount("Default", name, email, password)
          .onSuccess(r -> LOG.info("created the first account {} and its admin {}", r.getLong("accountId"), email))
          .mapEmpty();
    });
  }
}
