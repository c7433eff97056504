package dev.switchboard.window;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.Snoozes;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Views;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The work queue's timers, on the window timer's Redis set (claimed once across nodes, rebuilt
 * from PostgreSQL): the warning {@code WINDOW_WARN_BEFORE} before the human-reply deadline of a
 * conversation that needs a reply ({@code conversation.window_expiring}), and the end of a snooze.
 * PostgreSQL decides each firing, under the conversation's row lock: a warning is published once
 * per deadline ({@code warned_deadline}), a snooze is woken once ({@link Snoozes#wakeDue}).
 */
public final class QueueTimers {

  private static final int REBUILD_PAGE = 1_000;

  /** Conversations whose warning may still be due, in id pages. */
  private static final String WARNINGS = """
      SELECT id, reply_deadline FROM conversations
       WHERE reply_deadline > $1 AND warned_deadline IS DISTINCT FROM reply_deadline AND id > $2
       ORDER BY id LIMIT $3""";
  private static final String SNOOZED = """
      SELECT id, snoozed_until FROM conversations WHERE snoozed_until IS NOT NULL AND id > $1 ORDER BY id LIMIT $2""";
  private static final String LOCK = """
      SELECT id, needs_reply, reply_deadline, warned_deadline FROM conversations WHERE id = $1 FOR UPDATE""";
  private static final String WARNED = "UPDATE conversations SET warned_deadline = reply_deadline WHERE id = $1";
  private static final String VIEW = Views.CONVERSATION_SELECT + " WHERE cv.id = $1";

  private final Transactions tx;
  private final WindowTimer timer;
  private final Snoozes snoozes;
  private final Duration warnBefore;

  public QueueTimers(Transactions tx, WindowTimer timer, Snoozes snoozes, Duration warnBefore) {
    this.tx = tx;
    this.timer = timer;
    this.snoozes = snoozes;
    this.warnBefore = warnBefore;
  }

  /** When to warn of {@code deadline}: WINDOW_WARN_BEFORE ahead of it, not before now. */
  Instant warnAt(Instant deadline, Instant now) {
    Instant at = deadline.minus(warnBefore);
    return at.isBefore(now) ? now : at;
  }

  /** The warning of a conversation whose customer just wrote (its human deadline, from the rule). */
  WindowTimer.Expiry warning(long conversationId, Instant humanDeadline, Instant now) {
    return humanDeadline == null || !humanDeadline.isAfter(now) ? null
        : new WindowTimer.Expiry(conversationId, WindowTimer.Kind.warn, warnAt(humanDeadline, now).toEpochMilli());
  }

  /** Wakes conversation {@code id} at {@code until} (after the snooze committed). */
  public Future<Void> scheduleSnooze(long id, Instant until) {
    return timer.schedule(List.of(new WindowTimer.Expiry(id, WindowTimer.Kind.snooze, until.toEpochMilli())));
  }

  /** Fires one due warning or snooze end; answers when it should fire again instead, if it moved. */
  Future<Optional<WindowTimer.Expiry>> fire(WindowTimer.Expiry e, Instant now) {
    if (e.kind() == WindowTimer.Kind.snooze) {
      return snoozes.wakeDue(e.conversationId(), now)
          .map(later -> later.map(t -> new WindowTimer.Expiry(e.conversationId(), WindowTimer.Kind.snooze, t.toEpochMilli())));
    }
    return tx.run(ev -> ev.conn().preparedQuery(LOCK).execute(Tuple.of(e.conversationId())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(Optional.<WindowTimer.Expiry>empty());
      }
      Row r = rows.iterator().next();
      Instant deadline = Times.instant(r.getOffsetDateTime("reply_deadline"));
      // answered meanwhile, past its deadline already, or warned of this deadline (a second firing)
      if (!r.getBoolean("needs_reply") || deadline == null || !deadline.isAfter(now)
          || deadline.equals(Times.instant(r.getOffsetDateTime("warned_deadline")))) {
        return Future.succeededFuture(Optional.<WindowTimer.Expiry>empty());
      }
      Instant at = warnAt(deadline, now);
      if (at.isAfter(now)) {
        // the customer wrote again: the deadline moved later
        return Future.succeededFuture(Optional.of(new WindowTimer.Expiry(e.conversationId(), WindowTimer.Kind.warn, at.toEpochMilli())));
      }
      return ev.conn().preparedQuery(WARNED).execute(Tuple.of(e.conversationId()))
          .compose(u -> ev.conn().preparedQuery(VIEW).execute(Tuple.of(e.conversationId())))
          .map(views -> {
            Row v = views.iterator().next();
            JsonObject view = Views.conversation(v, tx.windows(), now).put("expiresAt", Times.iso(deadline));
            ev.add(Event.windowExpiring(v.getLong("account_id"), e.conversationId(), view));
            return Optional.<WindowTimer.Expiry>empty();
          });
    }));
  }

  /** Schedules every pending warning and snooze from PostgreSQL; answers how many. */
  Future<Integer> rebuild() {
    Instant now = tx.clock().instant();
    return warnings(now, 0L, 0).compose(n -> snoozed(0L, n));
  }

  private Future<Integer> warnings(Instant now, long afterId, int count) {
    return tx.pool().preparedQuery(WARNINGS).execute(Tuple.of(Times.utc(now), afterId, REBUILD_PAGE)).compose(rows -> {
      List<WindowTimer.Expiry> out = new ArrayList<>();
      long last = afterId;
      for (Row r : rows) {
        last = r.getLong("id");
        out.add(new WindowTimer.Expiry(last, WindowTimer.Kind.warn, warnAt(r.getOffsetDateTime("reply_deadline").toInstant(), now).toEpochMilli()));
      }
      long next = last;
      return timer.schedule(out).compose(v -> rows.size() < REBUILD_PAGE
          ? Future.succeededFuture(count + out.size()) : warnings(now, next, count + out.size()));
    });
  }

  private Future<Integer> snoozed(long afterId, int count) {
    return tx.pool().preparedQuery(SNOOZED).execute(Tuple.of(afterId, REBUILD_PAGE)).compose(rows -> {
      List<WindowTimer.Expiry> out = new ArrayList<>();
      long last = afterId;
      for (Row r : rows) {
        last = r.getLong("id");
        OffsetDateTime until = r.getOffsetDateTime("snoozed_until");
        out.add(new WindowTimer.Expiry(last, WindowTimer.Kind.snooze, until.toInstant().toEpochMilli()));
      }
      long next = last;
      return timer.schedule(out).compose(v -> rows.size() < REBUILD_PAGE
          ? Future.succeededFuture(count + out.size()) : snoozed(next, count + out.size()));
    });
  }
}
