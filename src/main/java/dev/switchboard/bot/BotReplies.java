package dev.switchboard.bot;

import dev.switchboard.conversation.Inbound;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;

/**
 * How the bot hands a reply to the send pipeline: queued inside the caller's transaction (so a
 * reply exists exactly when the message that caused it was stored and evaluated), sent later by
 * the durable pipeline under the automation window.
 */
public interface BotReplies {

  /** Queues a bot reply in {@code tx}; answers the new message's id. */
  Future<Long> enqueue(SqlConnection tx, Inbound cause, String text, List<Action.QuickReply> quickReplies);

  /** Called once the transaction that queued {@code messageIds} committed (events, nudging the sender). */
  default void afterCommit(long accountId, long conversationId, List<Long> messageIds) {
  }
}
