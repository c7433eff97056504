package dev.switchboard.conversation;

import dev.switchboard.common.Actor;
import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Snooze: a conversation keeps its status but leaves the Open and Assigned lists until
 * {@code snoozed_until}, or until the customer's next message (ReplyState), whichever comes first.
 * Each change locks the conversation, writes its history row and a {@code conversation.updated}
 * event in one transaction. The timer that wakes it at {@code until} is the window timer's
 * ({@code window.QueueTimers}).
 */
public final class Snoozes {

  /** The furthest a snooze may reach. */
  public static final Duration MAX = Duration.ofDays(365);

  private static final String LOCK = """
      SELECT id, account_id, status, snoozed_until FROM conversations WHERE id = $1 AND account_id = $2 FOR UPDATE""";
  private static final String LOCK_ANY = "SELECT id, account_id, snoozed_until FROM conversations WHERE id = $1 FOR UPDATE";
  private static final String SNOOZE = """
      UPDATE conversations cv SET snoozed_until = $2, updated_at = now(),
             snooze_mark = coalesce((SELECT m.id FROM messages m WHERE m.conversation_id = cv.id
                                      ORDER BY m.created_at DESC, m.id DESC LIMIT 1), 0)
       WHERE cv.id = $1""";
  private static final String WAKE = "UPDATE conversations SET snoozed_until = NULL, snooze_mark = NULL, updated_at = now() WHERE id = $1";
  private static final String HISTORY = """
      INSERT INTO conversation_history (account_id, conversation_id, actor_type, actor_id, action, snoozed_until, reason)
      VALUES ($1, $2, $3, $4, $5, $6, $7)""";

  private final Transactions tx;

  public Snoozes(Transactions tx) {
    this.tx = tx;
  }

  /**
   * Snoozes until {@code until}: after now, at most MAX ahead (422 {@code invalid_until}); a closed
   * conversation cannot be snoozed (422 {@code conversation_closed}). Answers the conversation.
   */
  public Future<JsonObject> snooze(long accountId, long readerId, Actor actor, long id, Instant until) {
    Instant now = tx.clock().instant();
    if (!until.isAfter(now) || until.isAfter(now.plus(MAX))) {
      return Future.failedFuture(ApiException.unprocessable("invalid_until", "until must be in the future and at most 365 days ahead"));
    }
    OffsetDateTime at = until.atOffset(ZoneOffset.UTC);
    return tx.run(ev -> ev.conn().preparedQuery(LOCK).execute(Tuple.of(id, accountId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("conversation"));
      }
      if ("closed".equals(rows.iterator().next().getString("status"))) {
        return Future.failedFuture(ApiException.unprocessable("conversation_closed", "a closed conversation cannot be snoozed"));
      }
      ev.conversationChanged(accountId, id);
      return ev.conn().preparedQuery(SNOOZE).execute(Tuple.of(id, at))
          .compose(u -> history(ev, accountId, id, actor, "snoozed", at, null));
    })).compose(v -> view(accountId, readerId, id));
  }

  /** Wakes a snoozed conversation now (an agent's unsnooze); one that is not snoozed is left as it is. */
  public Future<JsonObject> unsnooze(long accountId, long readerId, Actor actor, long id) {
    return tx.run(ev -> ev.conn().preparedQuery(LOCK).execute(Tuple.of(id, accountId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("conversation"));
      }
      if (rows.iterator().next().getOffsetDateTime("snoozed_until") == null) {
        return Future.<Void>succeededFuture();
      }
      ev.conversationChanged(accountId, id);
      return ev.conn().preparedQuery(WAKE).execute(Tuple.of(id))
          .compose(u -> history(ev, accountId, id, actor, "woke", null, "unsnoozed"));
    })).compose(v -> view(accountId, readerId, id));
  }

  /**
   * The timer's wake at {@code now}: wakes the conversation when its snooze has ended; answers the
   * later end when it was snoozed again meanwhile (to reschedule), empty otherwise. The row lock
   * makes a second firing (another node, a rebuilt timer) find nothing to wake.
   */
  public Future<Optional<Instant>> wakeDue(long id, Instant now) {
    return tx.run(ev -> ev.conn().preparedQuery(LOCK_ANY).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(Optional.<Instant>empty());
      }
      Row r = rows.iterator().next();
      OffsetDateTime until = r.getOffsetDateTime("snoozed_until");
      if (until == null) {
        return Future.succeededFuture(Optional.<Instant>empty());
      }
      if (until.toInstant().isAfter(now)) {
        return Future.succeededFuture(Optional.of(until.toInstant()));
      }
      long accountId = r.getLong("account_id");
      ev.conversationChanged(accountId, id);
      return ev.conn().preparedQuery(WAKE).execute(Tuple.of(id))
          .compose(u -> history(ev, accountId, id, "system", null, "woke", until, "snooze_ended"))
          .map(v -> Optional.<Instant>empty());
    }));
  }

  private static Future<Void> history(TxEvents ev, long accountId, long id, Actor actor, String action, OffsetDateTime until, String reason) {
    return history(ev, accountId, id, actor.type(), actor.id(), action, until, reason);
  }

  private static Future<Void> history(TxEvents ev, long accountId, long id, String actorType, Long actorId, String action,
                                      OffsetDateTime until, String reason) {
    return ev.conn().preparedQuery(HISTORY)
        .execute(Tuple.from(Arrays.asList(accountId, id, actorType, actorId, action, until, reason)))
        .mapEmpty();
  }

  private Future<JsonObject> view(long accountId, long readerId, long id) {
    return Views.conversations(tx.pool(), List.of(id), readerId, tx.windows(), tx.clock().instant()).map(l -> {
      if (l.isEmpty()) {
        throw ApiException.notFound("conversation");
      }
      return l.get(0);
    });
  }
}
