package dev.switchboard.inbox;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.channel.ChannelOwnership;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.conversation.InboundStore;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Views;
import dev.switchboard.events.Event;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.function.Function;

/**
 * {@code POST /channels/{id}/disconnect} and {@code /reconnect} (admins). A disconnected channel
 * keeps its history; nothing is sent on it (a reply answers 409 {@code channel_disconnected}, the
 * outbox claims nothing of it and its pending messages fail with that code, in the disconnecting
 * transaction); its webhooks are still answered 200 to Meta but held as dead letters
 * ({@link InboundStore#DISCONNECTED}), processed when it is connected again, so no customer
 * message is lost. Reconnecting proves the token with Meta and subscribes the app first, like a
 * new channel; if Meta refuses either, the channel stays disconnected.
 */
final class ChannelConnection {

  static final String DISCONNECT = """
      UPDATE channels SET disconnected_at = now()
       WHERE id = $1 AND account_id = $2 AND disconnected_at IS NULL
      RETURNING""" + " " + AdminSql.CHANNEL_COLUMNS + ", account_id";
  static final String RECONNECT = """
      UPDATE channels SET disconnected_at = NULL, access_token = coalesce($3, access_token),
        needs_attention = CASE WHEN $3::text IS NULL THEN needs_attention END
       WHERE id = $1 AND account_id = $2 AND disconnected_at IS NOT NULL
      RETURNING""" + " " + AdminSql.CHANNEL_COLUMNS + ", account_id";
  static final String TOKEN = "SELECT platform, external_id, waba_id, access_token, disconnected_at FROM channels WHERE id = $1 AND account_id = $2";
  /** Its messages waiting to be sent fail: they will not go out on this channel. */
  static final String FAIL_PENDING = """
      UPDATE messages SET status = 'failed', error_code = 'channel_disconnected',
             error_message = 'the channel was disconnected before this message was sent', claimed_by = NULL, claim_expires_at = NULL
       WHERE channel_id = $1 AND status = 'pending'
      RETURNING""" + " " + Views.MESSAGE_COLUMNS;
  /** Its held webhooks are processed again (their raw events go back to pending). */
  static final String RELEASE_HELD = """
      WITH held AS (
        DELETE FROM dead_letters d
         WHERE d.reason = $3 AND d.platform = $1 AND d.external_id = $2
        RETURNING d.raw_event_id)
      UPDATE raw_events SET status = 'pending', processed_at = NULL
       WHERE id IN (SELECT raw_event_id FROM held) RETURNING id""";

  private final Transactions tx;
  private final ChannelOwnership ownership;
  private final Function<Row, JsonObject> view;

  ChannelConnection(Transactions tx, ChannelOwnership ownership, Function<Row, JsonObject> view) {
    this.tx = tx;
    this.ownership = ownership;
    this.view = view;
  }

  void mount(Router api) {
    api.post("/channels/:id/disconnect").handler(this::disconnect);
    api.post("/channels/:id/reconnect").handler(this::reconnect);
  }

  private void disconnect(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "channel");
    Reply.ok(ctx, tx.run(ev -> ev.conn().preparedQuery(DISCONNECT).execute(Tuple.of(id, p.accountId()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return unchanged(id, p.accountId(), "disconnected");
          }
          JsonObject channel = changed(ev, rows.iterator().next());
          return ev.conn().preparedQuery(FAIL_PENDING).execute(Tuple.of(id)).map(failed -> {
            for (Row m : failed) {
              ev.add(Event.messageUpdated(p.accountId(), m.getLong("conversation_id"), Views.message(m)));
            }
            return channel.put("failedMessages", failed.size());
          });
        })));
  }

  /** {@code {accessToken?}}: the stored token, or a new one, is proven with Meta before the channel works again. */
  private void reconnect(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "channel");
    JsonObject body = ctx.body() == null || ctx.body().length() <= 0 ? new JsonObject() : Bodies.object(ctx);
    String given = Bodies.string(body, "accessToken", false);
    String token = given == null || given.isBlank() ? null : ChannelRoutes.accessToken(given);
    Reply.ok(ctx, tx.pool().preparedQuery(TOKEN).execute(Tuple.of(id, p.accountId())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("channel"));
      }
      Row c = rows.iterator().next();
      if (c.getOffsetDateTime("disconnected_at") == null) {
        return Future.failedFuture(ApiException.conflict("unchanged", "the channel is connected"));
      }
      String proof = token != null ? token : c.getString("access_token");
      return ownership.connect(c.getString("platform"), c.getString("external_id"), c.getString("waba_id"), proof)
          .compose(connected -> tx.run(ev -> ev.conn().preparedQuery(RECONNECT).execute(Tuple.of(id, p.accountId(), token))
              .compose(updated -> {
                if (updated.size() == 0) {
                  return unchanged(id, p.accountId(), "connected");
                }
                JsonObject channel = changed(ev, updated.iterator().next());
                return ev.conn().preparedQuery(RELEASE_HELD)
                    .execute(Tuple.of(c.getString("platform"), c.getString("external_id"), InboundStore.DISCONNECTED))
                    .map(held -> channel.put("heldWebhooks", held.size()));
              }))
              .map(channel -> connected.subscribeError() == null ? channel : channel.put("subscribeError", connected.subscribeError())));
    }));
  }

  private JsonObject changed(TxEvents ev, Row r) {
    JsonObject channel = view.apply(r);
    ev.add(Event.channelUpdated(r.getLong("account_id"), channel.copy()));
    return channel;
  }

  private Future<JsonObject> unchanged(long id, long accountId, String state) {
    return tx.pool().preparedQuery(TOKEN).execute(Tuple.of(id, accountId)).compose(rows -> Future.failedFuture(rows.size() == 0
        ? ApiException.notFound("channel")
        : ApiException.conflict("unchanged", "the channel is already " + state)));
  }
}
