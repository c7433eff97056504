package dev.switchboard.bot;

import dev.switchboard.common.Inbound;
import io.vertx.core.Future;
import dev.switchboard.common.TxChanges;

import java.util.List;

/**
 * How the bot hands a reply to the send pipeline: queued inside the caller's transaction (so a
 * reply exists exactly when the message that caused it was stored and evaluated), sent later by
 * the durable pipeline under the automation window.
 */
public interface BotReplies {

  /**
   * Queues a bot reply in {@code tx}, with its events. Fails with an
   * {@link dev.switchboard.common.ApiException} when it may not be sent (window closed, text too
   * long): the bot then carries on without it.
   */
  Future<Void> enqueue(TxChanges tx, Inbound cause, String text, List<Action.QuickReply> quickReplies);
}
