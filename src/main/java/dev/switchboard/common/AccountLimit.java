package dev.switchboard.common;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * How many of one kind of thing an account may hold (API keys, webhook endpoints, flows, saved
 * replies). Checked inside the creating transaction under a transaction-scoped advisory lock per
 * kind and account, so two creates at once cannot both pass the last free place.
 *
 * @param kind     names the lock (a table name); two kinds never wait on each other's lock unless
 *                 their hashes collide, which only serialises them
 * @param countSql the account's current count, {@code $1} the account
 * @param code     the 422's error code ("too_many_keys")
 * @param what     the things, as the message names them ("API keys; revoke one first")
 */
public record AccountLimit(String kind, String countSql, int max, String code, String what) {

  private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext($1), $2::int)";

  /** In {@code tx} (a transaction): succeeds when the account has room for one more, else 422. */
  public Future<Void> room(SqlClient tx, long accountId) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(kind, (int) accountId))
        .compose(v -> tx.preparedQuery(countSql).execute(Tuple.of(accountId)))
        .compose(rows -> rows.iterator().next().getLong(0) >= max
            ? Future.failedFuture(ApiException.unprocessable(code, "an account has at most " + max + " " + what))
            : Future.succeededFuture());
  }
}
