package dev.switchboard.bot;

import dev.switchboard.common.Inbound;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;

/**
 * How the bot hands a reply to the send pipeline: queued inside the caller's transaction (so a
 * reply exists exactly when the message that caused it was stored and evaluated), sent later by
 * the durable pipeline under the automation window.
 */
public interface BotReplies {

  /**
   * Queues a bot reply in {@code tx}. Answers what {@link #afterCommit} needs to announce it, or
   * fails with an {@link dev.switchboard.common.ApiException} when it may not be sent (window
   * closed, text too long): the bot then carries on without it.
   */
  Future<Object> enqueue(SqlConnection tx, Inbound cause, String text, List<Action.QuickReply> quickReplies);

  /** Called once the transaction that queued these replies committed (events, nudging the sender). */
  default void afterCommit(List<Object> queued) {
  }
}
