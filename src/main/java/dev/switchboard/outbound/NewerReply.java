package dev.switchboard.outbound;

import dev.switchboard.common.Actor;
import dev.switchboard.common.ApiException;
import dev.switchboard.conversation.Views;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Collision control for replies: a reply names {@code basedOnMessageId}, the newest message its
 * agent had seen when they started the draft. If someone else (another agent, an API key, the bot,
 * or a reply sent from Meta's own app) has replied to the customer since, the send answers 409
 * {@code newer_reply} with that reply, unless it says {@code force: true}. Runs after the send
 * path locked the conversation, so of two agents answering at once the second one is told. A reply
 * that failed never reached the customer and is no newer reply.
 */
final class NewerReply {

  private static final String BASE = "SELECT 1 FROM messages WHERE id = $2 AND conversation_id = $1";

  private static final String NEWER = "SELECT " + Views.MESSAGE_COLUMNS + """
       FROM messages
      WHERE conversation_id = $1 AND id > $2 AND direction = 'out' AND type IN ('reply', 'template', 'bot', 'echo')
        AND status IS DISTINCT FROM 'failed'
        AND NOT (sender_type = $3 AND sender_id IS NOT DISTINCT FROM $4)
      ORDER BY id DESC
      LIMIT 1""";

  private NewerReply() {
  }

  static Future<Void> check(SqlConnection tx, long conversationId, Long basedOn, Actor actor) {
    if (basedOn == null) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(BASE).execute(Tuple.of(conversationId, basedOn)).compose(base -> {
      if (base.size() == 0) {
        return Future.failedFuture(ApiException.unprocessable("unknown_message",
            "basedOnMessageId names no message of this conversation"));
      }
      return tx.preparedQuery(NEWER).execute(Tuple.of(conversationId, basedOn, actor.type(), actor.id()));
    }).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture();
      }
      JsonObject reply = Views.message(rows.iterator().next());
      return Future.failedFuture(ApiException.conflict("newer_reply",
              "someone else replied after the message your draft was based on; send with force: true to send anyway")
          .with(new JsonObject().put("reply", reply)));
    });
  }
}
