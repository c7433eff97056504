package dev.switchboard.bot;

import dev.switchboard.common.Services;
import dev.switchboard.conversation.Inbound;
import dev.switchboard.conversation.Views;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Stores a bot reply as a pending outbound message for the send pipeline to pick up: the row,
 * its {@code message.created} event and a nudge on {@link Bus#OUTBOUND_PENDING}. The send
 * pipeline's own outbox replaces this once it is on main; this never sends anything itself.
 */
public final class PendingBotReplies implements BotReplies {

  private static final Logger LOG = LoggerFactory.getLogger(PendingBotReplies.class);

  private final Services services;

  public PendingBotReplies(Services services) {
    this.services = services;
  }

  @Override
  public Future<Object> enqueue(SqlConnection tx, Inbound cause, String text, List<Action.QuickReply> quickReplies) {
    JsonObject raw = null;
    if (!quickReplies.isEmpty()) {
      JsonArray buttons = new JsonArray();
      quickReplies.forEach(q -> buttons.add(new JsonObject().put("title", q.title()).put("payload", q.payload())));
      raw = new JsonObject().put("quickReplies", buttons);
    }
    return tx.preparedQuery(BotSql.INSERT_PENDING_REPLY)
        .execute(Tuple.of(cause.accountId(), cause.conversationId(), cause.channelId(), text, raw))
        .map(rows -> new Queued(cause.accountId(), cause.conversationId(), rows.iterator().next().getLong("id")));
  }

  private record Queued(long accountId, long conversationId, long messageId) {
  }

  @Override
  public void afterCommit(List<Object> queued) {
    for (Object q : queued) {
      Queued one = (Queued) q;
      announce(one.accountId(), one.conversationId(), List.of(one.messageId()));
    }
  }

  private void announce(long accountId, long conversationId, List<Long> messageIds) {
    services.pool().preparedQuery("SELECT " + Views.MESSAGE_COLUMNS + " FROM messages WHERE id = ANY($1) ORDER BY id")
        .execute(Tuple.of(messageIds.toArray(new Long[0])))
        .compose(rows -> {
          Future<?> chain = Future.succeededFuture();
          for (Row r : rows) {
            JsonObject view = Views.message(r);
            chain = chain.compose(v -> services.events().append(accountId, Bus.MESSAGE_CREATED, conversationId, view));
          }
          return chain;
        })
        .onComplete(ar -> services.vertx().eventBus().publish(Bus.OUTBOUND_PENDING, new JsonObject()
            .put("conversationId", String.valueOf(conversationId))))
        .onFailure(err -> LOG.warn("bot reply events for conversation {} not appended: {}", conversationId, err.toString()));
  }
}
