package dev.switchboard.ingress;

import io.micrometer.core.instrument.MeterRegistry;
import dev.switchboard.config.Config;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.conversation.InboundStore;
import dev.switchboard.conversation.InboundStore.Outcome;
import dev.switchboard.conversation.InboundStore.RawEvent;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.store.Bus;
import dev.switchboard.store.Unavailable;
import io.micrometer.core.instrument.FunctionCounter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import io.micrometer.core.instrument.Counter;
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
  /** The fault-injection point of the crash tests: after a batch commits, before anything else. */
  static final String FAULT_AFTER_COMMIT = "processor-after-commit";

  private final Transactions tx;
  private final InboundHooks hooks;
  private final MeterRegistry metrics;
  private final InboundStore store;
  private final String fault;
  private final Counter itemsRefused;
  private final int batchSize;
  private final long sweepMs;
  private MessageConsumer<Object> nudges;
  private long sweeper = -1;
  private final int concurrency;
  private int inFlight;
  private boolean again;
  private boolean stopping;
  private Promise<Void> idle;

  public ProcessorVerticle(Transactions tx, InboundHooks hooks, Config.Processor config, String faultPoint, MeterRegistry metrics) {
    this.tx = tx;
    this.hooks = hooks;
    this.metrics = metrics;
    this.store = new InboundStore(hooks);
    this.fault = faultPoint;
    this.itemsRefused = Counter.builder("switchboard_inbound_items_refused_total")
        .description("items of a webhook (one event of one entry) that could not be stored; their neighbours were")
        .register(metrics != null ? metrics : io.micrometer.core.instrument.Metrics.globalRegistry);
    this.batchSize = config.batch();
    this.sweepMs = config.sweepMs();
    // more than one batch at a time lets PostgreSQL use more than one core (one backend per transaction)
    this.concurrency = config.concurrency();
  }

  @Override
  public Future<?> start() {
    if (metrics != null) {
      // process-wide like the parsers' count; registering it again is a no-op
      FunctionCounter.builder("switchboard_inbound_replaced_chars", WebhookParsers.REPLACED, AtomicLong::get)
          .description("characters PostgreSQL refuses (NUL) replaced by U+FFFD in inbound webhooks").register(metrics);
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
      return unregistered;
    }
    idle = Promise.promise();
    return Future.join(unregistered, idle.future());
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
    TxEvents[] events = new TxEvents[1];
    return this.tx.pool().withTransaction(tx -> {
          events[0] = this.tx.open(tx);
          return InboundStore.claim(tx, batchSize).compose(rows -> {
            claimed.addAll(rows);
            return claimed.isEmpty() ? Future.succeededFuture((Outcome) null) : store.process(events[0], claimed);
          });
        })
        .compose(outcome -> {
          if (outcome != null) {
            if (LOG.isDebugEnabled()) {
              LOG.debug("batch of {} raw events committed in {} ms", claimed.size(), (System.nanoTime() - t0) / 1_000_000);
            }
            afterCommit(events[0], outcome);
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
    TxEvents[] events = new TxEvents[1];
    return this.tx.pool().withTransaction(tx -> {
          events[0] = this.tx.open(tx);
          return InboundStore.claimOne(tx, id)
              .compose(one -> one.isEmpty() ? Future.succeededFuture((Outcome) null) : store.process(events[0], one));
        })
        .compose(outcome -> {
          if (outcome != null) {
            afterCommit(events[0], outcome);
          }
          return Future.<Void>succeededFuture();
        }, err -> {
          if (!isSqlError(err) || isRetryable(err)) {
            // left pending: the sweeper retries it
            return Future.failedFuture(err);
          }
          LOG.warn("raw event {} cannot be processed as a whole ({}); storing its items one by one", id, err.getMessage());
          return itemByItem(id);
        })
        .compose(v -> oneByOne(ids, i + 1));
  }

  /**
   * The last pass over a raw row that failed alone: each of its items (one event of one entry) in
   * a transaction of its own, so an item the database or a hook refuses costs only itself. The row
   * ends done, or failed naming every item that could not be stored (the others are stored). If
   * the database goes away meanwhile the row stays pending: stored items are not stored twice.
   */
  private Future<Void> itemByItem(long id) {
    return InboundStore.raw(this.tx.pool(), id).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture();
      }
      RawEvent raw = found.get(0);
      List<ParsedEntry> items;
      try {
        items = InboundStore.items(raw);
      } catch (RuntimeException e) {
        return this.tx.pool().withTransaction(tx -> InboundStore.markFailed(tx, List.of(id), List.of(String.valueOf(e.getMessage()))));
      }
      List<String> problems = new ArrayList<>();
      return item(raw, items, 0, problems).compose(v -> {
        String error = problems.isEmpty() ? null
            : problems.size() + " of " + items.size() + " items not stored: " + String.join("; ", problems);
        if (error != null) {
          LOG.warn("raw event {}: {}", id, error);
          itemsRefused.increment(problems.size());
        }
        return this.tx.pool().withTransaction(tx -> InboundStore.finish(tx, id, error));
      });
    });
  }

  private Future<Void> item(RawEvent raw, List<ParsedEntry> items, int i, List<String> problems) {
    if (i >= items.size()) {
      return Future.succeededFuture();
    }
    TxEvents[] events = new TxEvents[1];
    return this.tx.pool().withTransaction(tx -> {
          events[0] = this.tx.open(tx);
          return InboundStore.claimOne(tx, raw.id()).compose(one -> one.isEmpty()
              ? Future.failedFuture(new IllegalStateException("raw event " + raw.id() + " is no longer pending"))
              : store.processItem(events[0], raw, items.get(i)));
        })
        .compose(outcome -> {
          afterCommit(events[0], outcome);
          problems.addAll(outcome.unreadable());
          return Future.<Void>succeededFuture();
        }, err -> {
          if (!isSqlError(err) || isRetryable(err)) {
            return Future.failedFuture(err);
          }
          problems.add("item " + (i + 1) + " (" + describe(items.get(i)) + "): " + err.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> item(raw, items, i + 1, problems));
  }

  private static String describe(ParsedEntry item) {
    return item.events().isEmpty() ? "entry " + item.channelExternalId() : item.events().get(0).getClass().getSimpleName().toLowerCase();
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

  /**
   * The batch is durable, its events with it: wake the relay (and the send pipeline for bot
   * replies), then the hooks that act after the commit.
   */
  private void afterCommit(TxEvents events, Outcome o) {
    if (FAULT_AFTER_COMMIT.equals(fault)) {
      // a crash test kills the node here: stored, events written, nothing relayed by this node
      System.out.println("FAULT POINT " + FAULT_AFTER_COMMIT + " reached");
      System.out.flush();
      return;
    }
    events.committed();
    if (o.mediaQueued() > 0) {
      vertx.eventBus().send(Bus.MEDIA_PENDING, null);
    }
    try {
      hooks.afterCommit(o.inbound());
    } catch (RuntimeException e) {
      LOG.warn("an inbound hook failed after commit: {}", e.toString());
    }
  }
}
