package dev.switchboard.bot;

import dev.switchboard.conversation.Placeholders;
import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Label and field names inside flows' actions, renamed with the contacts' (see NameRoutes): a flow
 * that still added the old label or set the old field would bring the old name back on every contact
 * it answers, and a reply naming the old field would be refused for lack of a value.
 */
public final class FlowNames {

  private static final String FOR_ACCOUNT = "SELECT id, name, actions FROM flows WHERE account_id = $1 ORDER BY id FOR UPDATE";
  private static final String SET_ACTIONS = "UPDATE flows SET actions = $3, updated_at = now() WHERE id = $1 AND account_id = $2";

  private FlowNames() {
  }

  /**
   * In the caller's transaction: every flow of the account whose actions add label {@code from}
   * (any case, as labels are compared) or set field {@code from} or name it in a reply's
   * placeholder now names {@code to}. Answers the ids of the flows changed.
   */
  public static Future<List<Long>> rename(SqlConnection c, long accountId, boolean label, String from, String to) {
    return c.preparedQuery(FOR_ACCOUNT).execute(Tuple.of(accountId)).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      List<Long> ids = new ArrayList<>();
      for (Row r : rows) {
        List<Action> actions;
        try {
          actions = FlowJson.actions(r.getValue("actions"));
        } catch (ApiException unreadable) {
          // a stored flow this version cannot read runs nowhere (the bot skips it): left as it is
          continue;
        }
        List<Action> renamed = label ? renamedLabel(actions, from, to) : renamedField(actions, from, to);
        if (!renamed.equals(actions)) {
          JsonArray json = FlowJson.toJson(renamed);
          try {
            // a longer name can push a reply past its limit; such a flow could not be saved, nor run
            FlowJson.actions(json);
          } catch (ApiException tooLong) {
            return Future.failedFuture(ApiException.unprocessable("rename_refused",
                "with the new name, flow “" + r.getString("name") + "” would be refused (" + tooLong.getMessage() + "): shorten it first"));
          }
          ids.add(r.getLong("id"));
          updates.add(Tuple.of(r.getLong("id"), accountId, json));
        }
      }
      return updates.isEmpty() ? Future.succeededFuture(ids)
          : c.preparedQuery(SET_ACTIONS).executeBatch(updates).map(ids);
    });
  }

  static List<Action> renamedLabel(List<Action> actions, String from, String to) {
    List<Action> out = new ArrayList<>(actions.size());
    for (Action a : actions) {
      out.add(a instanceof Action.Label l && l.name().equalsIgnoreCase(from) ? new Action.Label(to) : a);
    }
    return out;
  }

  static List<Action> renamedField(List<Action> actions, String from, String to) {
    List<Action> out = new ArrayList<>(actions.size());
    for (Action a : actions) {
      if (a instanceof Action.Field f && f.name().equals(from)) {
        out.add(new Action.Field(to, f.value()));
      } else if (a instanceof Action.Reply r) {
        out.add(new Action.Reply(Placeholders.rename(r.text(), from, to), r.quickReplies()));
      } else {
        out.add(a);
      }
    }
    return out;
  }
}
