package dev.switchboard.window;

import dev.switchboard.store.RedisStore;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Times;
import dev.switchboard.common.Inbound;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.conversation.Views;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reply-window timer on every node: (re)schedules expiries when a customer writes, fires
 * each due expiry on exactly one node ({@code conversation.window_changed} with the
 * conversation view; the work queue's warnings and snooze ends go to {@link QueueTimers}), and rebuilds the set from PostgreSQL at start-up so losing Redis loses
 * nothing but the pushes that fell due while it was gone.
 */
public final class WindowTimerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WindowTimerVerticle.class);
  private static final int REBUILD_PAGE = 1_000;
  private static final int CLAIM_MAX = 200;

  private final Transactions tx;
  private final RedisStore redis;
  private final InboundHooks hooks;
  private final String nodeId;
  private final WindowTimer timer;
  private final QueueTimers queue;
  private final long pollMs;
  private final InboundHooks.Hook hook = new InboundHooks.Hook() {
    @Override
    public void afterCommit(List<Inbound> created) {
      scheduleInbound(created);
    }
  };
  private long periodic = -1;
  private boolean firing;
  private MessageConsumer<JsonArray> replyNeeded;

  public WindowTimerVerticle(Transactions tx, RedisStore redis, InboundHooks hooks, WindowTimer timer, QueueTimers queue,
                             String nodeId, long pollMs) {
    this.tx = tx;
    this.redis = redis;
    this.hooks = hooks;
    this.nodeId = nodeId;
    this.timer = timer;
    this.queue = queue;
    this.pollMs = pollMs;
  }

  @Override
  public Future<?> start() {
    hooks.register(hook);
    replyNeeded = vertx.eventBus().localConsumer(Bus.REPLY_NEEDED, m -> armWarnings(m.body()));
    return rebuild(0L, 0).compose(n -> queue.rebuild().map(q -> n + q))
        .compose(n -> markBuilt().map(n))
        .onSuccess(n -> {
          LOG.info("window timer: {} expiries scheduled from PostgreSQL", n);
          periodic = vertx.setPeriodic(pollMs, t -> fireDue());
        });
  }

  @Override
  public Future<?> stop() {
    hooks.unregister(hook);
    replyNeeded.unregister();
    vertx.cancelTimer(periodic);
    return Future.succeededFuture();
  }

  private void scheduleInbound(List<Inbound> created) {
    Instant now = tx.clock().instant();
    List<WindowTimer.Expiry> expiries = new ArrayList<>();
    for (Inbound i : created) {
      expiries.addAll(timer.expiries(i.conversationId(), i.platform(), i.lastInboundAt(), now));
      if (i.lastInboundAt() != null) {
        WindowTimer.Expiry warn = queue.warning(i.conversationId(),
            tx.windows().view(i.platform(), i.lastInboundAt(), now).humanExpiresAt(), now);
        if (warn != null) {
          expiries.add(warn);
        }
      }
    }
    // the hook runs on the processor's thread: hop onto this verticle's context
    context.runOnContext(v -> timer.schedule(expiries)
        .onFailure(err -> LOG.warn("window timer: scheduling {} expiries failed (rebuilt at next start): {}", expiries.size(), err.toString())));
  }

  /** Warnings of conversations that came to need a reply without a customer message (a reply failed). */
  private void armWarnings(JsonArray due) {
    Instant now = tx.clock().instant();
    List<WindowTimer.Expiry> expiries = new ArrayList<>();
    for (int i = 0; i < due.size(); i++) {
      JsonArray d = due.getJsonArray(i);
      WindowTimer.Expiry warn = queue.warning(d.getLong(0), Instant.ofEpochMilli(d.getLong(1)), now);
      if (warn != null) {
        expiries.add(warn);
      }
    }
    timer.schedule(expiries)
        .onFailure(err -> LOG.warn("window timer: arming {} warnings failed (rebuilt at next start): {}", expiries.size(), err.toString()));
  }

  /** Pages through conversations with an open window and schedules their expiries; answers how many. */
  private Future<Integer> rebuild(long afterId, int count) {
    Instant now = tx.clock().instant();
    Instant oldest = now.minus(tx.windows().humanAgent());
    return tx.pool().preparedQuery(WindowSql.OPEN_WINDOWS).execute(Tuple.of(Times.utc(oldest), afterId, REBUILD_PAGE)).compose(rows -> {
      List<WindowTimer.Expiry> expiries = new ArrayList<>();
      long last = afterId;
      for (Row r : rows) {
        last = r.getLong("id");
        expiries.addAll(timer.expiries(last, r.getString("platform"), r.getOffsetDateTime("last_inbound_at").toInstant(),
            Times.instant(r.getOffsetDateTime("ad_referral_at")), now));
      }
      long next = last;
      return timer.schedule(expiries).compose(v -> rows.size() < REBUILD_PAGE
          ? Future.succeededFuture(count + expiries.size())
          : rebuild(next, count + expiries.size()));
    });
  }

  // A mark next to each partition's set (same slot): when Redis restarts empty, is flushed, or a
  // promoted replica never got the set, the mark is gone with the timers, and the first node to
  // notice (SET NX) rebuilds the sets from PostgreSQL without a node restart.
  private Future<Void> markBuilt() {
    List<Future<?>> sets = new ArrayList<>();
    for (int k = 0; k < timer.partitions(); k++) {
      sets.add(redis.api().set(List.of(timer.builtKey(k), nodeId)));
    }
    return Future.all(sets).mapEmpty();
  }

  private Future<Void> rebuildIfLost() {
    List<Future<io.vertx.redis.client.Response>> marks = new ArrayList<>();
    for (int k = 0; k < timer.partitions(); k++) {
      marks.add(redis.api().set(List.of(timer.builtKey(k), nodeId, "NX")));
    }
    return Future.all(marks).compose(all -> {
      // a failure seen since the last tick: a master that failed over may have taken writes it never passed on
      boolean unreachable = timer.takeFailure();
      List<Integer> lost = new ArrayList<>();
      for (int k = 0; k < marks.size(); k++) {
        if (marks.get(k).result() != null) {
          lost.add(k);
        }
      }
      if (lost.isEmpty() && !unreachable) {
        return Future.succeededFuture();
      }
      if (lost.isEmpty()) {
        LOG.info("window timer: Redis was unreachable; rescheduling every open window from PostgreSQL");
      } else {
        LOG.warn("window timer: Redis lost the timers of partitions {} (restarted, flushed or failed over); rebuilding them from PostgreSQL", lost);
      }
      // rescheduling every open window is harmless for the partitions that kept theirs (same scores)
      return rebuild(0L, 0).compose(n -> queue.rebuild().map(q -> n + q))
          .onSuccess(n -> LOG.info("window timer: {} expiries rescheduled from PostgreSQL", n))
          // let this or another node try again at the next poll
          .recover(err -> {
            if (unreachable) {
              timer.markFailed();
            }
            List<String> keys = new ArrayList<>();
            for (int k : lost) {
              keys.add(timer.builtKey(k));
            }
            List<Future<?>> dels = new ArrayList<>();
            for (String key : keys) {
              dels.add(redis.api().del(List.of(key)));
            }
            return Future.join(dels).transform(x -> Future.failedFuture(err));
          })
          .mapEmpty();
    });
  }

  private void fireDue() {
    if (firing) {
      return;
    }
    firing = true;
    Instant now = tx.clock().instant();
    boolean[] full = {false};
    rebuildIfLost()
        .compose(v -> timer.claimDue(now.toEpochMilli(), CLAIM_MAX))
        .compose(due -> {
          full[0] = due.size() == CLAIM_MAX;
          List<Future<Void>> all = new ArrayList<>();
          for (WindowTimer.Expiry e : due) {
            all.add(fire(e, now).recover(err -> {
              // what failed is due again at once: wait for the next poll rather than spin on it
              full[0] = false;
              // put it back so another tick (or node) fires it
              LOG.warn("window timer: conversation {} not fired, retrying: {}", e.conversationId(), err.toString());
              return timer.schedule(List.of(e));
            }));
          }
          return Future.join(all);
        })
        .onComplete(ar -> {
          firing = false;
          if (ar.failed()) {
            timer.markFailed();
            LOG.warn("window timer: claiming due expiries failed: {}", ar.cause().toString());
          } else if (full[0]) {
            // more may be due (a burst of snoozes ending together): take the next batch now, not a poll later
            fireDue();
          }
        });
  }

  // PostgreSQL decides: a customer who wrote again since moved the expiry; then reschedule instead.
  // The read and the event share a transaction, so the event is in the outbox exactly when it fired.
  private Future<Void> fire(WindowTimer.Expiry e, Instant now) {
    if (e.kind() == WindowTimer.Kind.warn || e.kind() == WindowTimer.Kind.snooze) {
      return queue.fire(e, now).compose(later -> later.isPresent() ? timer.schedule(List.of(later.get())) : Future.succeededFuture());
    }
    return tx.run(ev -> ev.conn().preparedQuery(WindowSql.CONVERSATION)
            .execute(Tuple.of(e.conversationId()))
            .map(rows -> {
              if (rows.size() == 0) {
                return Optional.<WindowTimer.Expiry>empty();
              }
              Row r = rows.iterator().next();
              Instant lastInbound = r.getOffsetDateTime("last_inbound_at") == null ? null : r.getOffsetDateTime("last_inbound_at").toInstant();
              List<WindowTimer.Expiry> current = timer.expiries(e.conversationId(), r.getString("platform"), lastInbound,
                  Times.instant(r.getOffsetDateTime("ad_referral_at")), now);
              for (WindowTimer.Expiry c : current) {
                if (c.kind() == e.kind()) {
                  return Optional.of(c);
                }
              }
              JsonObject view = Views.conversation(r, tx.windows(), now).put("windowExpired", e.kind().name());
              ev.add(Event.windowChanged(r.getLong("account_id"), e.conversationId(), view));
              return Optional.<WindowTimer.Expiry>empty();
            }))
        .compose(later -> later.isPresent() ? timer.schedule(List.of(later.get())) : Future.succeededFuture());
  }
}
