package dev.switchboard.bot;

import dev.switchboard.common.Times;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** The SQL of bot flows (always scoped by account). */
final class FlowSql {

  private FlowSql() {
  }

  static final String COLUMNS = "id, account_id, position, name, enabled, channel_id, trigger, actions, created_at, updated_at";

  static final String LIST = "SELECT " + COLUMNS + " FROM flows WHERE account_id = $1 ORDER BY position, id";

  /** What the bot may run for a message of a channel, in the order flows are tried. */
  static final String RUNNABLE = "SELECT " + COLUMNS + " FROM flows WHERE account_id = $1 AND enabled"
      + " AND (channel_id IS NULL OR channel_id = $2) ORDER BY position, id";

  static final String GET = "SELECT " + COLUMNS + " FROM flows WHERE id = $1 AND account_id = $2";
  /** The flow an update rewrites, locked until it commits: a rename of its names waits for it, or it for the rename. */
  static final String GET_FOR_UPDATE = GET + " FOR UPDATE";

  /** The account's flows in their order, locked while an order is written. */
  static final String LOCK_ORDER = "SELECT id, position FROM flows WHERE account_id = $1 ORDER BY position, id FOR UPDATE";
  static final String SET_POSITION = "UPDATE flows SET position = $3, updated_at = now() WHERE id = $1 AND account_id = $2";

  /** Without a position a new flow goes last. */
  static final String INSERT = "INSERT INTO flows (account_id, position, name, enabled, channel_id, trigger, actions)"
      + " VALUES ($1, coalesce($2, (SELECT coalesce(max(position) + 1, 0) FROM flows WHERE account_id = $1)), $3, $4, $5, $6, $7)"
      + " RETURNING " + COLUMNS;

  static final String UPDATE = "UPDATE flows SET position = $3, name = $4, enabled = $5, channel_id = $6, trigger = $7,"
      + " actions = $8, updated_at = now() WHERE id = $1 AND account_id = $2 RETURNING " + COLUMNS;

  static final String DELETE = "DELETE FROM flows WHERE id = $1 AND account_id = $2";

  static final String CHANNEL_OF_ACCOUNT = "SELECT id FROM channels WHERE id = $1 AND account_id = $2";

  static final String TEAMS_OF_ACCOUNT = "SELECT id FROM teams WHERE id = ANY($1) AND account_id = $2";

  /** A stored flow, parsed (and so validated) the same way as an API body. */
  static Flow flow(Row r) {
    return new Flow(
        r.getLong("id"),
        r.getString("name"),
        r.getBoolean("enabled"),
        r.getLong("channel_id"),
        FlowJson.trigger(r.getValue("trigger")),
        FlowJson.actions(r.getValue("actions")),
        r.getInteger("position"));
  }

  /** The API shape of a flow (docs/openapi.yaml), with its position and times. */
  static JsonObject view(Row r) {
    Long channelId = r.getLong("channel_id");
    Object trigger = r.getValue("trigger");
    Object actions = r.getValue("actions");
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("name", r.getString("name"))
        .put("enabled", r.getBoolean("enabled"))
        .put("channelId", channelId == null ? null : String.valueOf(channelId))
        .put("trigger", trigger instanceof JsonObject o ? o : new JsonObject())
        .put("actions", actions instanceof JsonArray a ? a : new JsonArray())
        .put("position", r.getInteger("position"))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        .put("updatedAt", Times.iso(r.getOffsetDateTime("updated_at")));
  }
}
