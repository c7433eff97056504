package dev.switchboard.common;

import dev.switchboard.events.Event;
import io.vertx.sqlclient.SqlConnection;

/**
 * What a part changes inside someone else's transaction (a hook in the processor's batch, a bot
 * reply queued with the message that caused it): the connection to write with, and what to
 * publish when it commits. The events are written into the same transaction, so they exist
 * exactly when the change does ({@code conversation.TxEvents} is the implementation).
 */
public interface TxChanges {

  SqlConnection conn();

  /** A conversation this transaction changed: one {@code conversation.updated} with its final view. */
  TxChanges conversationChanged(long accountId, long conversationId);

  /** A contact this transaction changed: {@code contact.updated}, naming its conversation when known. */
  TxChanges contactChanged(long accountId, long contactId, Long conversationId);

  /** An event whose data this transaction already holds, in order. */
  TxChanges add(Event event);

  /** A message waits for the send pipeline: it is nudged after the commit. */
  TxChanges outboundQueued();
}
