package dev.switchboard.outbound;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel whose access token the Graph API refused ({@code GraphErrors.Kind.TOKEN}): it is
 * marked as needing attention, with the platform's message, and its account's inboxes hear
 * {@code channel.updated}. Every caller of the Graph API that meets such a refusal comes here.
 */
final class ChannelAttention {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelAttention.class);

  private ChannelAttention() {
  }

  static Future<Void> tokenRefused(Transactions tx, long channelId, String reason) {
    return tx.run(events -> events.conn().preparedQuery(OutboxSql.CHANNEL_NEEDS_ATTENTION)
        .execute(Tuple.of(channelId, reason))
        .map(rows -> {
          LOG.warn("channel {} needs attention: its access token was refused", channelId);
          if (rows.size() > 0) {
            Row r = rows.iterator().next();
            events.add(Event.channelUpdated(r.getLong("account_id"), new JsonObject().put("id", String.valueOf(r.getLong("id")))
                .put("platform", r.getString("platform")).put("name", r.getString("name"))
                .put("externalId", r.getString("external_id")).put("needsAttention", r.getString("needs_attention"))));
          }
          return (Void) null;
        }));
  }
}
