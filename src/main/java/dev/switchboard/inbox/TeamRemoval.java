package dev.switchboard.inbox;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * {@code DELETE /teams/{id}} (admins): in one transaction, the team's conversations lose it as
 * assignee and go back to Open (a team assignee means Assigned); each change is written to their
 * history with the admin as actor and pushed as {@code conversation.updated}; then the team and
 * its memberships go. Flows that hand off to it hand off to Open from then on (the bot finds no
 * such team).
 */
final class TeamRemoval {

  /** The team's conversations, unassigned; answers each one's id and statuses before and after. */
  static final String UNASSIGN = """
      WITH mine AS (
        SELECT id, status FROM conversations
         WHERE account_id = $2 AND assignee_type = 'team' AND assignee_id = $1
         ORDER BY id FOR UPDATE
      ), moved AS (
        UPDATE conversations c
           SET assignee_type = NULL, assignee_id = NULL,
               status = 'open', updated_at = now()
          FROM mine WHERE c.id = mine.id
        RETURNING c.id, mine.status AS from_status, c.status AS to_status
      )
      INSERT INTO conversation_history (account_id, conversation_id, actor_type, actor_id, from_status, to_status,
                                        from_assignee_type, from_assignee_id, to_assignee_type, to_assignee_id)
      SELECT $2, moved.id, $3, $4, moved.from_status, moved.to_status, 'team', $1, NULL, NULL FROM moved
      RETURNING conversation_id""";
  static final String LOCK = "SELECT id FROM teams WHERE id = $1 AND account_id = $2 FOR UPDATE";
  static final String DELETE = "DELETE FROM teams WHERE id = $1 AND account_id = $2";

  private final Transactions tx;

  TeamRemoval(Transactions tx) {
    this.tx = tx;
  }

  void delete(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "team");
    Reply.noContent(ctx, tx.run(ev -> ev.conn().preparedQuery(LOCK).execute(Tuple.of(id, p.accountId()))
        .compose(team -> team.size() == 0 ? Future.failedFuture(ApiException.notFound("team"))
            : ev.conn().preparedQuery(UNASSIGN).execute(Tuple.of(id, p.accountId(), p.actor().type(), p.actor().id())))
        .compose(moved -> {
          for (Row r : moved) {
            ev.conversationChanged(p.accountId(), r.getLong("conversation_id"));
          }
          ev.add(Event.settingsChanged(p.accountId(), "teams", id, true));
          return ev.conn().preparedQuery(DELETE).execute(Tuple.of(id, p.accountId()));
        })).mapEmpty());
  }
}
