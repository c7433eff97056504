package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import dev.switchboard.conversation.InboundStore;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * What an operator does to whole accounts (the {@code accounts} command): create one with its
 * first admin, list them, disable and enable. Disabling ends every session of the account's
 * people through the same version bump a deactivation uses, so it takes effect on every node
 * and bridge socket within about a second; while disabled, sign-in and refresh are refused and
 * the account's webhooks are held (see {@link InboundStore#HELD}). Its API keys answer 401 at once
 * on every node too (a Redis flag every key check reads) and work again once it is enabled.
 */
public final class Accounts {

  static final String LIST = """
      SELECT a.id, a.name, a.disabled_at IS NOT NULL AS disabled, a.created_at,
             (SELECT count(*) FROM channels c WHERE c.account_id = a.id) AS channels,
             (SELECT count(*) FROM users u WHERE u.account_id = a.id AND u.active) AS agents
        FROM accounts a ORDER BY a.id""";
  static final String DISABLE = "UPDATE accounts SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id";
  static final String ENABLE = "UPDATE accounts SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING id";
  static final String EXISTS = "SELECT disabled_at IS NOT NULL AS disabled FROM accounts WHERE id = $1";
  /** The held entries of the account's channels go; their raw events are processed again. */
  static final String RELEASE_HELD = """
      WITH held AS (
        DELETE FROM dead_letters d USING channels c
         WHERE d.reason = $2 AND c.account_id = $1 AND d.platform = c.platform AND d.external_id = c.external_id
        RETURNING d.raw_event_id)
      UPDATE raw_events SET status = 'pending', processed_at = NULL
       WHERE id IN (SELECT raw_event_id FROM held) RETURNING id""";

  private final Pool pool;
  private final AuthService auth;
  private final Sessions sessions;
  private final RedisStore redis;

  public Accounts(Pool pool, AuthService auth, Sessions sessions, RedisStore redis) {
    this.pool = pool;
    this.auth = auth;
    this.sessions = sessions;
    this.redis = redis;
  }

  /** {@code {accountId, userId}}; 409 {@code email_taken} (naming no account) when the e-mail is anyone's. */
  public Future<JsonObject> create(String name, String adminName, String email, String password) {
    return auth.createAccount(name, adminName, email, password).recover(err -> {
      if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
        return Future.failedFuture(ApiException.conflict("email_taken", "a user with this email exists"));
      }
      return Future.failedFuture(err);
    });
  }

  /** Every account: id, name, status, channels, active people. */
  public Future<JsonArray> list() {
    return pool.query(LIST).execute().map(rows -> {
      JsonArray out = new JsonArray();
      for (Row r : rows) {
        out.add(new JsonObject().put("id", r.getLong("id")).put("name", r.getString("name"))
            .put("status", r.getBoolean("disabled") ? "disabled" : "active")
            .put("channels", r.getLong("channels")).put("agents", r.getLong("agents")));
      }
      return out;
    });
  }

  /** Disables the account and ends its people's sessions everywhere; answers how many people. */
  public Future<Integer> disable(long accountId) {
    List<long[]> versions = new ArrayList<>();
    return pool.withTransaction(tx -> tx.preparedQuery(DISABLE).execute(Tuple.of(accountId)).compose(rows -> {
          if (rows.size() == 0) {
            return unchanged(tx, accountId, "disabled");
          }
          return tx.preparedQuery(SessionSql.ACCOUNT_USERS).execute(Tuple.of(accountId));
        }).compose(users -> {
          Future<Void> chain = Future.succeededFuture();
          for (Row u : users) {
            long userId = u.getLong("id");
            chain = chain.compose(v -> sessions.endAll(tx, userId).map(version -> {
              versions.add(new long[] {userId, version});
              return null;
            }));
          }
          return chain;
        }))
        // after the commit: every node sees the new versions at its next request or bridge sweep
        .compose(v -> {
          List<Future<Void>> published = new ArrayList<>();
          versions.forEach(uv -> published.add(sessions.publish(uv[0], (int) uv[1])));
          published.add(ApiKeys.markAccount(redis, accountId, true));
          return Future.all(published);
        })
        .map(v -> versions.size());
  }

  /** Enables the account and queues its held webhooks again; answers how many raw events were queued. */
  public Future<Integer> enable(long accountId) {
    return pool.withTransaction(tx -> tx.preparedQuery(ENABLE).execute(Tuple.of(accountId)).compose(rows -> {
      if (rows.size() == 0) {
        return unchanged(tx, accountId, "active");
      }
      return tx.preparedQuery(RELEASE_HELD).execute(Tuple.of(accountId, InboundStore.HELD)).map(held -> held.size());
    })).compose(queued -> ApiKeys.markAccount(redis, accountId, false).map(queued));
  }

  // nothing changed: the id is unknown (404) or the account is already in that state (409)
  private static <T> Future<T> unchanged(io.vertx.sqlclient.SqlConnection tx, long accountId, String state) {
    return tx.preparedQuery(EXISTS).execute(Tuple.of(accountId)).compose(rows -> Future.failedFuture(rows.size() == 0
        ? ApiException.notFound("account " + accountId)
        : ApiException.conflict("unchanged", "account " + accountId + " is already " + state)));
  }
}
