package dev.switchboard.bot;

import dev.switchboard.channel.Sender;
import dev.switchboard.common.Inbound;
import dev.switchboard.outbound.Outbox;
import io.vertx.core.Future;
import dev.switchboard.common.TxChanges;

import java.util.List;

/** Bot replies through the send pipeline's outbox: pending {@code bot} messages, automation window, never HUMAN_AGENT. */
public final class OutboxBotReplies implements BotReplies {

  private final Outbox outbox;

  public OutboxBotReplies(Outbox outbox) {
    this.outbox = outbox;
  }

  @Override
  public Future<Void> enqueue(TxChanges tx, Inbound cause, String text, List<Action.QuickReply> quickReplies) {
    List<Sender.QuickReply> buttons = quickReplies.stream().map(q -> new Sender.QuickReply(q.title(), q.payload())).toList();
    return outbox.enqueueBotReply(tx, cause.conversationId(), text, buttons);
  }
}
