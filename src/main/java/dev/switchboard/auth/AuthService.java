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
public final class AuthService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
  // verified when the email is unknown too, so a login's timing does not say which emails exist
  private static final String DUMMY_HASH = Passwords.hash("not-a-password", Passwords.ITERATIONS);

  private final Vertx vertx;
  private final Pool pool;
  private final Tokens tokens;

  public AuthService(Vertx vertx, Pool pool, Tokens tokens) {
    this.vertx = vertx;
    this.pool = pool;
    this.tokens = tokens;
  }

  /** Answers {@code {token, user}} or fails with 401. */
  public Future<JsonObject> login(String email, String password) {
    return pool.preparedQuery(AuthSql.USER_BY_EMAIL).execute(Tuple.of(email.trim()))
        .compose(rows -> {
          Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
          String stored = row == null ? DUMMY_HASH : row.getString("password_hash");
          return vertx.executeBlocking(() -> Passwords.verify(password, stored))
              .map(ok -> {
                if (!ok || row == null) {
                  throw ApiException.unauthorized("wrong email or password");
                }
                long id = row.getLong("id");
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

  /** Creates an account and its admin; answers {@code {accountId, userId}}. */
  public Future<JsonObject> createAccount(String accountName, String adminName, String email, String password) {
    return vertx.executeBlocking(() -> Passwords.hash(password)).compose(hash ->
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
