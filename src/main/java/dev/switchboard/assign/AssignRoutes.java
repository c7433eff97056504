package dev.switchboard.assign;

import io.vertx.sqlclient.Pool;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Principal;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * {@code GET /account} (everyone: {@code {id, name, autoAssign}}) and {@code PATCH /account
 * {"autoAssign": {...} | null}} (admins). A team's {@code autoAssign} is set through
 * {@code PATCH /teams/{id}} ({@link #setTeam}, in that route's transaction).
 */
public final class AssignRoutes {

  private final Pool pool;

  public AssignRoutes(Pool pool) {
    this.pool = pool;
  }

  public void mount(Router api) {
    api.get("/account").handler(this::get);
    api.patch("/account").handler(this::patch);
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, pool.preparedQuery(AssignSql.ACCOUNT).execute(Tuple.of(p.accountId()))
        .map(rows -> view(rows.iterator().next())));
  }

  private void patch(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    if (!body.containsKey("autoAssign")) {
      throw ApiException.badRequest("missing_field", "autoAssign is required (an object, or null to turn it off)");
    }
    AutoAssign setting = AutoAssign.parse(body.getValue("autoAssign"));
    Reply.ok(ctx, pool.withTransaction(c -> c.preparedQuery(AssignSql.SET_ACCOUNT)
            .execute(Tuple.of(p.accountId(), AutoAssign.json(setting)))
            .compose(rows -> changed(c, p.accountId(), null, setting).map(rows.iterator().next())))
        .map(AssignRoutes::view));
  }

  /**
   * Sets a team's auto-assignment when the body names {@code autoAssign}; called inside
   * {@code PATCH /teams/{id}}'s transaction after the team was found.
   */
  public static Future<Void> setTeam(SqlConnection c, long accountId, long teamId, JsonObject body) {
    if (!body.containsKey("autoAssign")) {
      return Future.succeededFuture();
    }
    AutoAssign setting = AutoAssign.parse(body.getValue("autoAssign"));
    return c.preparedQuery(AssignSql.SET_TEAM).execute(Tuple.of(teamId, accountId, AutoAssign.json(setting)))
        .compose(rows -> changed(c, accountId, teamId, setting));
  }

  /** Validates a team body's {@code autoAssign} before anything is written (400/422). */
  public static void check(JsonObject body) {
    if (body.containsKey("autoAssign")) {
      AutoAssign.parse(body.getValue("autoAssign"));
    }
  }

  // Turned on or changed: what already waits is queued, and rows tried under the old rule are tried again.
  private static Future<Void> changed(SqlConnection c, long accountId, Long teamId, AutoAssign setting) {
    if (setting == null) {
      return Future.succeededFuture();
    }
    return c.preparedQuery(AssignSql.ENQUEUE_WAITING).execute(Tuple.of(accountId, teamId))
        .compose(v -> Assigner.wake(c, accountId));
  }

  private static JsonObject view(Row r) {
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("name", r.getString("name"))
        .put("autoAssign", AutoAssign.json(AutoAssign.stored(r.getValue("auto_assign"))));
  }
}
