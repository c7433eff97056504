package dev.switchboard.ingress;

import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.common.Services;
import dev.switchboard.conversation.InboundStore;
import dev.switchboard.conversation.InboundStore.Outcome;
import dev.switchboard.conversation.InboundStore.RawEvent;
import dev.switchboard.conversation.Views;
import dev.switchboard.store.Bus;
import dev.switchboard.store.EventLog;
import dev.switchboard.store.Unavailable;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Normalises stored webhooks (one per node). Claims pending raw rows with
 * {@code FOR UPDATE SKIP LOCKED} inside the transaction that stores their messages, so nodes
 * share the work and a crashed node's claims return to the pool when its connection dies.
 * Woken by ingress on the local bus and by a sweeper timer (lost nudges, other nodes' rows).
 * {@code PROCESSOR_CONCURRENCY} batches at a time (default one); on stop the batches in flight finish first.
 */
public final class ProcessorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessorVerticle.class);

  private final Services services;
  private final InboundStore store;
  private final int batchSize;
  private final long sweepMs;
  private MessageConsumer<Object> nudges;
  private long sweeper = -1;
  private final int concurrency;
  private int inFlight;
  private boolean again;
  private boolean stopping;
  private Promise<Void> idle;
  /**
   * The events and hooks of committed batches, chained in commit order. A batch's database work
   * overlaps the previous batch's appends, but a batch does not finish (and so the next one does
   * not start) until the appends before its own are done: at most one batch's events are in
   * flight behind the database, and they reach the log in commit order.
   */
  private Future<Void> eventTail = Future.succeededFuture();

  public ProcessorVerticle(Services services) {
    this.services = services;
    this.store = new InboundStore(services.inboundHooks());
    this.batchSize = services.config().processor().batch();
    this.sweepMs = services.config().processor().sweepMs();
    // more than one batch at a time lets PostgreSQL use more than one core (one backend per transaction)
    this.concurrency = services.config().processor().concurrency();
  }

  @Override
  public Future<?> start() {
    if (services.metrics() != null) {
      // process-wide like the parsers' count; registering it again is a no-op
      FunctionCounter.builder("switchboard_inbound_replaced_chars", WebhookParsers.REPLACED, AtomicLong::get)
          .description("characters PostgreSQL refuses (NUL) replaced by U+FFFD in inbound webhooks").register(services.metrics());
    }
    nudges = vertx.eventBus().localConsumer(Bus.RAW_STORED, m -> kick());
    sweeper = vertx.setPeriodic(sweepMs, t -> kick());
    kick();
    return nudges.completion();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(sweeper);
    Future<Void> unregistered = nudges.unregister();
    if (inFlight == 0) {
      return Future.join(unregistered, eventTail);
    }
    idle = Promise.promise();
    return Future.join(unregistered, idle.future().compose(v -> eventTail));
  }

  /**
   * Starts batches up to {@code PROCESSOR_CONCURRENCY}; each runs again while it comes back full,
   * and a nudge that finds every slot busy runs one more after them.
   */
  private void kick() {
    if (stopping) {
      return;
    }
    if (inFlight >= concurrency) {
      again = true;
      return;
    }
    inFlight++;
    again = false;
    batch().onComplete(ar -> {
      inFlight--;
      boolean full = ar.succeeded() && ar.result() >= batchSize;
      if (stopping) {
        if (inFlight == 0 && idle != null) {
          idle.complete();
        }
        return;
      }
      if (ar.failed()) {
        // the database is likely unavailable: the sweeper tries again later
        LOG.warn("processor batch failed, retrying on the next sweep: {}", ar.cause().toString());
        return;
      }
      if (full) {
        // a backlog: fill every slot
        for (int i = inFlight; i < concurrency; i++) {
          kick();
        }
      } else if (again) {
        kick();
      }
    });
  }

  /** One batch; answers how many raw rows it claimed. */
  private Future<Integer> batch() {
    List<RawEvent> claimed = new ArrayList<>();
    long t0 = System.nanoTime();
    return services.pool().withTransaction(tx -> InboundStore.claim(tx, batchSize)
            .compose(rows -> {
              claimed.addAll(rows);
              return claimed.isEmpty() ? Future.succeededFuture((Outcome) null) : store.process(tx, claimed);
            }))
        .compose(outcome -> {
          if (outcome != null) {
            if (LOG.isDebugEnabled()) {
              LOG.debug("batch of {} raw events committed in {} ms", claimed.size(), (System.nanoTime() - t0) / 1_000_000);
            }
            Future<Void> before = eventTail;
            eventTail = before.transform(v -> afterCommit(outcome));
            return before.map(claimed.size());
          }
          return Future.succeededFuture(claimed.size());
        }, err -> {
          if (claimed.size() > 0 && isSqlError(err)) {
            // one bad event must not block the others: retry the rows one by one
            LOG.warn("batch of {} raw events failed ({}); retrying them one by one", claimed.size(), err.getMessage());
            return oneByOne(claimed.stream().map(RawEvent::id).toList(), 0).map(claimed.size());
          }
          return Future.failedFuture(err);
        });
  }

  private Future<Void> oneByOne(List<Long> ids, int i) {
    if (i >= ids.size()) {
      return Future.succeededFuture();
    }
    long id = ids.get(i);
    return services.pool().withTransaction(tx -> InboundStore.claimOne(tx, id)
            .compose(one -> one.isEmpty() ? Future.succeededFuture((Outcome) null) : store.process(tx, one)))
        .compose(outcome -> {
          if (outcome != null) {
            eventTail = eventTail.transform(v -> afterCommit(outcome));
          }
          return Future.<Void>succeededFuture();
        }, err -> {
          if (!isSqlError(err) || isRetryable(err)) {
            // left pending: the sweeper retries it
            return Future.failedFuture(err);
          }
          LOG.warn("raw event {} cannot be processed, marking it failed: {}", id, err.getMessage());
          return services.pool().withTransaction(tx -> InboundStore.markFailed(tx, List.of(id), List.of(err.getMessage())));
        })
        .compose(v -> oneByOne(ids, i + 1));
  }

  /**
   * A failure that one event can cause (an SQL error, a hook's error), worth retrying event by
   * event, as opposed to the database being away ({@link Unavailable}): then nothing is marked
   * and the sweeper tries again.
   */
  private static boolean isSqlError(Throwable err) {
    return !Unavailable.is(err);
  }

  /** Deadlocks, serialisation failures, lock time-outs: the event is fine, only the moment was not. */
  private static boolean isRetryable(Throwable err) {
    if (err instanceof PgException pg) {
      String state = String.valueOf(pg.getSqlState());
      return state.startsWith("40") || "55P03".equals(state);
    }
    return false;
  }

  private void runHooks(Outcome o) {
    try {
      services.inboundHooks().afterCommit(o.inbound());
    } catch (RuntimeException e) {
      LOG.warn("an inbound hook failed after commit: {}", e.toString());
    }
  }

  /** Events, then hooks, once the batch is durable; failures here lose nothing stored. */
  // Completes (never fails) once the batch's events are appended and its hooks ran. Chained on
  // eventTail, and the batch after next waits for it: without that back-pressure, at ~10,000
  // messages/s batches committed faster than their events could be appended, and the appends piled
  // up in memory (past the Redis client's wait queue they were lost; found by bench/scale).
  // Unclaimed rows wait durably in raw_events. Letting one batch's database work overlap the
  // previous batch's appends cut a cycle from commit + append to the longer of the two.
  private Future<Void> afterCommit(Outcome o) {
    EventLog events = services.events();
    List<Long> convIds = new ArrayList<>(o.createdConversations().keySet());
    convIds.addAll(o.updatedConversations().keySet());
    Future<List<JsonObject>> convViews = Views.conversations(services.pool(), convIds, services.windows(), services.clock().instant());
    Future<List<JsonObject>> contactViews = o.changedContacts().isEmpty() ? Future.succeededFuture(List.of())
        : InboundStore.contacts(services.pool(), o.changedContacts().keySet());
    Promise<Void> appended = Promise.promise();
    Future.join(convViews, contactViews).onComplete(ar -> {
      List<EventLog.Pending> first = new ArrayList<>();
      List<EventLog.Pending> last = new ArrayList<>();
      if (convViews.succeeded()) {
        for (JsonObject c : convViews.result()) {
          long id = Long.parseLong(c.getString("id"));
          long account = Long.parseLong(c.getString("accountId"));
          if (o.createdConversations().containsKey(id)) {
            first.add(new EventLog.Pending(account, Bus.CONVERSATION_CREATED, id, c));
          } else {
            last.add(new EventLog.Pending(account, Bus.CONVERSATION_UPDATED, id, c));
          }
        }
      } else {
        LOG.warn("could not load conversation views for events: {}", convViews.cause().toString());
      }
      for (var m : o.merges()) {
        if (m.removedConversation() != null) {
          // the inbox drops the merged conversation (it is gone) and shows the surviving one
          last.add(new EventLog.Pending(m.accountId(), Bus.CONVERSATION_MERGED, m.removedConversation(), new JsonObject()
              .put("id", String.valueOf(m.removedConversation())).put("into", String.valueOf(m.survivingConversation()))));
        }
      }
      if (contactViews.succeeded()) {
        for (JsonObject c : contactViews.result()) {
          long id = Long.parseLong(c.getString("id"));
          Long account = o.changedContacts().get(id);
          last.add(new EventLog.Pending(account, Bus.CONTACT_UPDATED, o.contactConversation().get(id), c));
        }
      }
      // conversations first, then their messages, then the rest: a client never sees a message of a conversation it does not know
      events.appendAll(first)
          .compose(v -> events.appendAll(o.messageEvents()))
          .compose(v -> events.appendAll(last))
          .onFailure(err -> LOG.warn("appending events failed: {}", err.toString()))
          // hooks after our events: a bot reply's message.created follows its conversation's events
          .onComplete(v -> {
            runHooks(o);
            appended.complete();
          });
    });
    return appended.future();
  }
}
