package dev.switchboard.bot;

import dev.switchboard.common.AccountLimit;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Versions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Bot flows of an account: list, create, replace, delete. Every flow is validated whole before it is stored. */
public final class FlowService {

  /** Flows an account may hold: every customer message in a Closed conversation is tried against them in order. */
  public static final int MAX_PER_ACCOUNT = 200;
  private static final AccountLimit LIMIT = new AccountLimit("flows", "SELECT count(*) FROM flows WHERE account_id = $1",
      MAX_PER_ACCOUNT, "too_many_flows", "bot flows; delete one first");

  private final Pool pool;

  public FlowService(Pool pool) {
    this.pool = pool;
  }

  public Future<List<JsonObject>> list(long accountId) {
    return pool.preparedQuery(FlowSql.LIST).execute(Tuple.of(accountId)).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(r -> out.add(FlowSql.view(r)));
      return out;
    });
  }

  /**
   * What the bot would do with a customer's text on a channel, evaluated by {@link FlowEvaluator}
   * as for a Closed conversation of a contact without fields or labels; nothing is sent or stored.
   * A stored flow that no longer parses is skipped, as the bot skips it.
   */
  public Future<JsonObject> test(long accountId, long channelId, String text, String payload, boolean firstMessage) {
    return pool.preparedQuery(FlowSql.CHANNEL_OF_ACCOUNT).execute(Tuple.of(channelId, accountId)).compose(ch -> {
      if (ch.size() == 0) {
        return Future.failedFuture(ApiException.notFound("channel"));
      }
      return pool.preparedQuery(FlowSql.RUNNABLE).execute(Tuple.of(accountId, channelId));
    }).map(rows -> {
      List<Flow> flows = new ArrayList<>();
      for (Row r : rows) {
        try {
          flows.add(FlowSql.flow(r));
        } catch (RuntimeException unreadable) {
          // the bot logs and skips it too
        }
      }
      FlowEvaluator.Message m = new FlowEvaluator.Message(channelId, "text", text, payload, firstMessage);
      return FlowEvaluator.evaluate(m, FlowEvaluator.BOT_STATUS, java.util.Map.of(), java.util.Set.of(), flows)
          .map(d -> new JsonObject()
              .put("flow", new JsonObject().put("id", String.valueOf(d.flow().id())).put("name", d.flow().name()))
              .put("actions", FlowJson.toJson(d.actions()))
              .put("notes", new JsonArray(d.notes())))
          .orElse(new JsonObject().putNull("flow").put("actions", new JsonArray()).put("notes", new JsonArray()));
    });
  }

  public Future<JsonObject> get(long accountId, long id) {
    return pool.preparedQuery(FlowSql.GET).execute(Tuple.of(id, accountId)).map(rows -> FlowSql.view(one(rows)));
  }

  /** Writes through {@code db} (the caller's transaction, with its events). */
  public Future<JsonObject> create(SqlClient db, long accountId, JsonObject body) {
    Draft d;
    try {
      d = Draft.of(body, null);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    return checkReferences(db, accountId, d)
        .compose(v -> LIMIT.room(db, accountId))
        .compose(v -> db.preparedQuery(FlowSql.INSERT).execute(Tuple.of(accountId, d.position, d.name, d.enabled,
            d.channelId, d.trigger, d.actions)))
        .map(rows -> FlowSql.view(rows.iterator().next()));
  }

  /** Replaces the fields the body gives; the ones it leaves out keep their values. */
  /** {@code expected}: the {@code updatedAt} the editor read (If-Match), or null; 412 when it changed since. */
  public Future<JsonObject> update(SqlClient db, long accountId, long id, JsonObject body, String expected) {
    return db.preparedQuery(FlowSql.GET_FOR_UPDATE).execute(Tuple.of(id, accountId)).compose(rows -> {
      Row current = one(rows);
      Versions.check(expected, current.getOffsetDateTime("updated_at"), "flow");
      Draft d = Draft.of(body, FlowSql.view(current));
      return checkReferences(db, accountId, d)
          .compose(v -> db.preparedQuery(FlowSql.UPDATE).execute(Tuple.of(id, accountId, d.position, d.name, d.enabled,
              d.channelId, d.trigger, d.actions)))
          .map(updated -> FlowSql.view(one(updated)));
    });
  }

  /**
   * In the caller's transaction: the account's flows take the positions 0..n-1 in the order of
   * {@code ids}, which must name every flow of the account once. 409 {@code flows_changed} when it
   * does not (another admin added or deleted one meanwhile): nothing moves. Answers the ids of
   * the flows whose position changed.
   */
  public Future<List<Long>> order(SqlClient db, long accountId, List<Long> ids) {
    return db.preparedQuery(FlowSql.LOCK_ORDER).execute(Tuple.of(accountId)).compose(rows -> {
      java.util.Map<Long, Integer> positions = new java.util.HashMap<>();
      rows.forEach(r -> positions.put(r.getLong("id"), r.getInteger("position")));
      if (ids.size() != positions.size() || !positions.keySet().containsAll(ids)) {
        return Future.failedFuture(new ApiException(409, "flows_changed",
            "the order must name each of the account's " + positions.size() + " flows once; they changed meanwhile: read them again"));
      }
      List<Tuple> updates = new java.util.ArrayList<>();
      List<Long> moved = new java.util.ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        if (positions.get(ids.get(i)) != i) {
          updates.add(Tuple.of(ids.get(i), accountId, i));
          moved.add(ids.get(i));
        }
      }
      return updates.isEmpty() ? Future.succeededFuture(moved)
          : db.preparedQuery(FlowSql.SET_POSITION).executeBatch(updates).map(moved);
    });
  }

  public Future<Void> delete(SqlClient db, long accountId, long id) {
    return db.preparedQuery(FlowSql.DELETE).execute(Tuple.of(id, accountId)).compose(rows -> rows.rowCount() == 0
        ? Future.failedFuture(ApiException.notFound("flow"))
        : Future.succeededFuture());
  }

  private static Row one(RowSet<Row> rows) {
    if (rows.size() == 0) {
      throw ApiException.notFound("flow");
    }
    return rows.iterator().next();
  }

  // Another account's channel or team is named as missing, exactly like one that does not exist.
  private Future<Void> checkReferences(SqlClient db, long accountId, Draft d) {
    Future<Void> channel = d.channelId == null ? Future.succeededFuture()
        : db.preparedQuery(FlowSql.CHANNEL_OF_ACCOUNT).execute(Tuple.of(d.channelId, accountId)).compose(rows -> rows.size() == 0
            ? Future.failedFuture(FlowJson.invalid("channelId " + d.channelId + " is not a channel of this account"))
            : Future.succeededFuture());
    Set<Long> teams = FlowJson.teamIds(d.parsedActions);
    if (teams.isEmpty()) {
      return channel;
    }
    return channel.compose(v -> db.preparedQuery(FlowSql.TEAMS_OF_ACCOUNT)
        .execute(Tuple.of(teams.toArray(new Long[0]), accountId))
        .compose(rows -> {
          Set<Long> found = new HashSet<>();
          rows.forEach(r -> found.add(r.getLong("id")));
          for (Long t : teams) {
            if (!found.contains(t)) {
              return Future.failedFuture(FlowJson.invalid("teamId " + t + " is not a team of this account"));
            }
          }
          return Future.succeededFuture();
        }));
  }

  /** A validated flow body, normalised for storage. */
  private static final class Draft {
    String name;
    boolean enabled;
    Long channelId;
    Integer position;
    JsonObject trigger;
    JsonArray actions;
    List<Action> parsedActions;

    /** Reads a body; with {@code current} (an update) absent fields keep the current values. */
    static Draft of(JsonObject body, JsonObject current) {
      JsonObject merged = current == null ? new JsonObject() : current.copy();
      for (String key : List.of("name", "enabled", "channelId", "position", "trigger", "actions")) {
        if (body.containsKey(key)) {
          merged.put(key, body.getValue(key));
        }
      }
      Draft d = new Draft();
      Object name = merged.getValue("name");
      if (name == null) {
        throw FlowJson.invalid("name is required");
      }
      if (!(name instanceof String s) || s.isBlank()) {
        throw FlowJson.invalid("name must be a non-empty string");
      }
      d.name = s.strip();
      if (d.name.length() > FlowJson.MAX_NAME) {
        throw FlowJson.invalid("name may have at most " + FlowJson.MAX_NAME + " characters");
      }
      Object enabled = merged.getValue("enabled");
      if (enabled != null && !(enabled instanceof Boolean)) {
        throw FlowJson.invalid("enabled must be true or false");
      }
      d.enabled = enabled == null || (Boolean) enabled;
      d.channelId = FlowJson.optionalId(merged.getValue("channelId"), "channelId");
      Object position = merged.getValue("position");
      if (position != null) {
        if (!(position instanceof Integer || position instanceof Long) || ((Number) position).longValue() < 0
            || ((Number) position).longValue() > 1_000_000) {
          throw FlowJson.invalid("position must be an integer from 0 to 1000000");
        }
        d.position = ((Number) position).intValue();
      } else if (current != null) {
        d.position = current.getInteger("position");
      }
      Trigger trigger = FlowJson.trigger(merged.getValue("trigger"));
      d.parsedActions = FlowJson.actions(merged.getValue("actions"));
      d.trigger = FlowJson.toJson(trigger);
      d.actions = FlowJson.toJson(d.parsedActions);
      return d;
    }
  }
}
