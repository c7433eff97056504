package dev.switchboard.events;

import dev.switchboard.store.EventLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves committed events from the PostgreSQL outbox to the Redis log, one per node.
 *
 * <p>A round takes the lock on {@code event_relay}, gives the oldest unpositioned rows the next
 * positions and commits; then appends them to the log, which keeps the last position it holds
 * and takes positions only in order (see {@link EventLog#relay}). So any node may append any
 * positioned rows: a relay that finds positions missing before its own (another node died between
 * its commit and its append, or Redis lost data) appends those from the outbox first, and an append
 * that arrives late changes nothing. Every {@code RELAY_POLL_MS} each node also compares the two
 * positions, so a log that fell behind (a crash, a Redis restart or flush) is brought back to where
 * PostgreSQL is without waiting for new events. Relayed rows are kept {@code OUTBOX_RETENTION_MS},
 * then deleted.
 */
public final class EventRelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(EventRelayVerticle.class);
  private static final int PRUNE_CHUNK = 10_000;
  private static final long ROUND_TIMEOUT_S = 30;
  private static final long HELD_RECHECK_MS = 5;

  private final Pool pool;
  private final EventLog log;
  private final EventPublisher publisher;
  /**
   * Callers waiting until what they committed is relayed (see EventPublisher#relayed), each with a
   * ticket from {@link #tickets}: a round releases the waiters whose ticket it saw before it claimed.
   */
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private final AtomicLong tickets = new AtomicLong();
  private final MeterRegistry metrics;
  private final int batch;
  private final long pollMs;
  private final long retentionMs;
  private final long pruneMs;
  private final String fault;

  private MessageConsumer<Object> wake;
  private long poll = -1;
  private long pruneTimer = -1;
  /** A claim transaction is in flight (one at a time on a node). */
  private boolean claiming;
  /** Appends claimed and not finished: one running and at most one waiting behind it. */
  private int appending;
  /** A refill or a restart of the log is running: rounds wait for it. */
  private boolean exclusive;
  /** The log must restart (see check()): no new claims until this node's appends drained and it did. */
  private boolean restartWanted;
  private boolean again;
  private boolean stopping;
  private boolean frozen;
  private Future<Void> claim = Future.succeededFuture();
  /** The newest append's end: the next append starts after it, so positions reach the log in order. */
  private Future<Void> appended = Future.succeededFuture();
  private Future<Void> current = Future.succeededFuture();
  private RelayMetrics meter;
  private long lastFailureLog;
  /**
   * PostgreSQL's position at recent checks ({at, pos}), and the highest one older than the grace:
   * a check refills only positions handed out that long ago. A younger one is most likely claimed
   * by another node's round that has committed and is appending it now; refilling it races that
   * round for nothing (and under load made every check a refill).
   */
  private final ArrayDeque<long[]> handedOut = new ArrayDeque<>();
  private long settled;
  /** A round or a refill of this node failed: the next check refills all, without the grace. */
  private boolean unsettled;

  /**
   * @param fault a fault-injection point for crash tests, or null: {@code relay-after-claim} stops
   *              this relay for good right after its first positions commit, before the append;
   *              with {@code processor-after-commit} (the processor's point) this node never relays.
   */
  public EventRelayVerticle(Pool pool, EventLog log, EventPublisher publisher, MeterRegistry metrics, int batch, long pollMs,
                            long retentionMs, long pruneMs, String fault) {
    this.pool = pool;
    this.log = log;
    this.publisher = publisher;
    this.metrics = metrics;
    this.batch = batch;
    this.pollMs = pollMs;
    this.retentionMs = retentionMs;
    this.pruneMs = pruneMs;
    this.fault = fault;
  }

  @Override
  public Future<?> start() {
    meter = new RelayMetrics(metrics);
    if ("processor-after-commit".equals(fault)) {
      LOG.warn("FAULT_POINT={}: this node relays no events", fault);
      return Future.succeededFuture();
    }
    wake = vertx.eventBus().localConsumer(EventPublisher.COMMITTED, m -> kick());
    publisher.attach(this);
    poll = vertx.setPeriodic(pollMs, pollMs, t -> check());
    pruneTimer = vertx.setPeriodic(pruneMs, t -> prune());
    check();
    return wake.completion();
  }

  /** Finishes the round in flight; rows not yet relayed wait in PostgreSQL for any node. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(poll);
    vertx.cancelTimer(pruneTimer);
    releaseWaiting(Long.MAX_VALUE);
    Future<Void> unregister = wake == null ? Future.succeededFuture() : wake.unregister();
    // the field is read once the claim settles: a claim in flight chains one more append
    return Future.join(unregister, frozen ? Future.succeededFuture()
        : Future.join(claim.otherwiseEmpty().compose(v -> appended.otherwiseEmpty()), current.otherwiseEmpty()));
  }

  /** From any thread: {@code done} completes after a round that started later has emptied the outbox, or failed. */
  void await(Promise<Void> done) {
    if (stopping || frozen) {
      done.tryComplete();
      return;
    }
    synchronized (waiting) {
      waiting.add(new Waiter(tickets.incrementAndGet(), done));
    }
    context.runOnContext(v -> kick());
  }

  /**
   * Relays what is committed, again and again while there is more. Rounds overlap: the next claim
   * runs while the previous round's rows are appended, and appends run one after the other in
   * position order. A row committed during a round waits for one claim, not for a whole round.
   */
  private void kick() {
    if (stopping || frozen) {
      releaseWaiting(Long.MAX_VALUE);
      return;
    }
    if (claiming || exclusive || appending >= 2 || restartWanted) {
      again = true;
      if (restartWanted && !claiming && appending == 0 && !exclusive) {
        restart();
      }
      return;
    }
    claiming = true;
    again = false;
    // read before the claim starts: every waiter up to here committed before it
    long seen = tickets.get();
    // a request to a server that died unanswered must not stop the relay
    claim = claimRows().timeout(ROUND_TIMEOUT_S, TimeUnit.SECONDS).transform(ar -> {
      claiming = false;
      if (ar.failed()) {
        failed("relaying events", ar.cause());
        // the appends before it may still succeed: their waiters are answered when they end
        appended.onComplete(v -> releaseWaiting(seen));
        return Future.succeededFuture();
      }
      List<Row> rows = ar.result().rows();
      if (rows.isEmpty()) {
        // what the waiters committed had positions before this claim: in this node's earlier rounds
        // (appended in turn) or another node's, which may still be appending them
        long handedOut = ar.result().lastPos();
        appended.onComplete(v -> releaseWhenHeld(seen, handedOut, System.nanoTime()));
      } else if ("relay-after-claim".equals(fault)) {
        frozen = true;
        releaseWaiting(Long.MAX_VALUE);
        System.out.println("FAULT POINT relay-after-claim reached: positions " + rows.get(0).getLong("pos")
            + ".." + rows.get(rows.size() - 1).getLong("pos") + " committed, not appended");
        System.out.flush();
        return Future.succeededFuture();
      } else {
        boolean full = rows.size() >= batch;
        appending++;
        appended = appended.transform(previous -> append(rows).timeout(ROUND_TIMEOUT_S, TimeUnit.SECONDS)).transform(r -> {
          appending--;
          if (r.failed()) {
            failed("relaying events", r.cause());
            releaseWaiting(seen);
          } else if (!full) {
            // nothing was left behind this round: what its waiters committed before it is in the log
            releaseWaiting(seen);
          }
          if (again) {
            kick();
          }
          return Future.succeededFuture();
        });
        if (full) {
          again = true;
        }
      }
      if (again) {
        kick();
      }
      return Future.succeededFuture();
    });
  }

  private boolean busy() {
    return claiming || appending > 0 || exclusive;
  }

  /**
   * Answers the waiters up to {@code upTo} once every partition of the log holds the positions up
   * to {@code pos}; checks again every few milliseconds while another node's append is under way,
   * for at most a second (the waiters' own limit, EventPublisher#WAIT_MS).
   */
  private void releaseWhenHeld(long upTo, long pos, long since) {
    if (stopping || frozen) {
      releaseWaiting(Long.MAX_VALUE);
      return;
    }
    Waiter first;
    synchronized (waiting) {
      first = waiting.peek();
    }
    if (first == null || first.ticket() > upTo) {
      // nobody to answer (the processor's commits do not wait): no need to read the log
      return;
    }
    log.position().onComplete(ar -> {
      if (ar.failed() || ar.result() >= pos || System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(EventPublisher.WAIT_MS)) {
        releaseWaiting(upTo);
      } else {
        vertx.setTimer(HELD_RECHECK_MS, t -> releaseWhenHeld(upTo, pos, since));
      }
    });
  }

  /**
   * Sets the log back before the outbox's oldest retained position (see check()). Runs with no
   * claim or append of this node in flight: positions appended meanwhile would be taken as held.
   * The decision is taken again under the relay's lock, where no node hands out positions: a log
   * still ahead of PostgreSQL there really is, and a node that sees the log already set back by
   * another does not set it back once more (every retained event would be appended again).
   */
  private void restart() {
    exclusive = true;
    // the lock is held across Redis calls: a Redis that hangs must not hold every node's claims
    // for longer than a round may take, so PostgreSQL ends the transaction itself then
    current = pool.withTransaction(tx -> tx.query("SET LOCAL idle_in_transaction_session_timeout = "
        + TimeUnit.SECONDS.toMillis(ROUND_TIMEOUT_S)).execute().compose(set -> tx.query(EventSql.LOCK_RELAY).execute()).compose(locked -> {
          long pg = locked.iterator().next().getLong(0);
          return log.positions().compose(marks -> {
            if (highest(marks) <= pg) {
              LOG.info("event log: another node has set the log back already");
              meter.restarted(false);
              return Future.succeededFuture();
            }
            return tx.query(EventSql.FIRST_POS).execute().compose(rows -> {
              Long first = rows.iterator().next().getLong(0);
              long at = first == null ? pg : first - 1;
              LOG.warn("event log: it holds positions PostgreSQL has not handed out (only {}); the log restarts at {}", pg, at);
              return log.restartAt(at).onSuccess(v -> meter.restarted(true));
            });
          });
        }))
        .timeout(ROUND_TIMEOUT_S, TimeUnit.SECONDS)
        .transform(r -> {
          exclusive = false;
          restartWanted = false;
          if (r.failed()) {
            failed("restarting the event log's position", r.cause());
          }
          kick();
          return Future.succeededFuture();
        });
  }

  /** Completes the waiters whose ticket is at most {@code upTo}. */
  private void releaseWaiting(long upTo) {
    while (true) {
      Waiter w;
      synchronized (waiting) {
        w = waiting.peek();
        if (w == null || w.ticket() > upTo) {
          return;
        }
        waiting.poll();
      }
      w.done().tryComplete();
    }
  }

  private record Waiter(long ticket, Promise<Void> done) {
  }

  /** What a claim took, and the last position handed out before it. */
  private record Claimed(List<Row> rows, long lastPos) {
  }

  /** The lock and the claim go out together (pipelined): one round trip less per round. */
  private Future<Claimed> claimRows() {
    return pool.withTransaction(tx -> {
      Future<RowSet<Row>> locked = tx.query(EventSql.LOCK_RELAY).execute();
      Future<RowSet<Row>> claimed = tx.preparedQuery(EventSql.CLAIM).execute(Tuple.of(batch));
      return Future.all(locked, claimed).map(v -> new Claimed(list(claimed.result()), locked.result().iterator().next().getLong(0)));
    });
  }

  /** Appends rows that carry positions (a run of consecutive positions); fills gaps before them first. */
  private Future<Void> append(List<Row> rows) {
    long first = rows.get(0).getLong("pos");
    long end = rows.get(rows.size() - 1).getLong("pos");
    return log.relay(first - 1, end, positioned(rows), null).compose(r -> {
      meter.relayed(rows, r.appended());
      if (r.last() >= end) {
        return Future.succeededFuture();
      }
      // a partition lacks positions before ours: append those, then ours
      return fill(r.last(), first - 1).compose(v -> log.relay(first - 1, end, positioned(rows), null)).map(again -> {
        meter.relayed(rows, again.appended());
        return null;
      });
    });
  }

  /** Every poll: relay what is pending, and bring a log that fell behind back to PostgreSQL. */
  private void check() {
    if (stopping || frozen) {
      return;
    }
    // Redis first: positions only grow in PostgreSQL, so a log position read earlier can exceed the
    // database's only when the two really disagree
    log.positions().compose(marks -> pool.query(EventSql.LAST_POS).execute()
        .map(rows -> new long[] {rows.iterator().next().getLong(0), EventLog.lowest(marks), highest(marks)})).onComplete(ar -> {
      if (ar.failed()) {
        failed("checking the event log's position", ar.cause());
        return;
      }
      if (stopping || frozen) {
        return;
      }
      long pg = ar.result()[0];
      long redis = ar.result()[1];
      long ahead = ar.result()[2];
      meter.behind(pg - redis);
      meter.ahead(ahead - pg);
      long due = refillUpTo(pg);
      if (ahead > pg) {
        // The log holds positions PostgreSQL has not handed out (Redis is read first and PostgreSQL
        // never goes back, so this is no race): the database was restored from a backup or replaced
        // under this Redis. New events would take positions the log believes it holds and be skipped.
        // Which of the retained positions the log really holds is unknown, so it restarts before the
        // oldest one: every retained event is appended again (at least once rather than lost), and
        // the restart is marked so older cursors answer 410 and pages reload. New claims wait for it
        // (under steady load this node is never idle by itself).
        restartWanted = true;
        kick();
        return;
      }
      if (redis < due && !busy()) {
        if (redis == 0) {
          LOG.warn("event log: a partition of the log holds no position while PostgreSQL handed out {}; refilling it from the outbox", pg);
        }
        unsettled = false;
        exclusive = true;
        current = fill(redis, due).timeout(ROUND_TIMEOUT_S, TimeUnit.SECONDS).transform(f -> {
          exclusive = false;
          if (f.failed()) {
            failed("refilling the event log", f.cause());
          }
          kick();
          return Future.succeededFuture();
        });
      } else {
        kick();
      }
    });
  }

  /**
   * Appends the outbox's positions after {@code from} up to {@code to}, in chunks, to every
   * partition whose mark is in that range. Positions the outbox no longer has (pruned after their
   * retention) are skipped over: the log restarts after them.
   */
  private Future<Void> fill(long from, long to) {
    if (from >= to || stopping || frozen) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(EventSql.RANGE).execute(Tuple.of(from, to, batch)).compose(found -> {
      List<Row> rows = list(found);
      if (rows.isEmpty()) {
        LOG.warn("event log: positions {}..{} are no longer in the outbox; the log continues after them", from + 1, to);
        return log.refill(from, to, List.of(), to).mapEmpty();
      }
      long first = rows.get(0).getLong("pos");
      // a short answer holds every row up to `to`; a full one those up to its last row
      long end = rows.size() < batch ? to : rows.get(rows.size() - 1).getLong("pos");
      Long rebase = null;
      if (first > from + 1) {
        LOG.warn("event log: positions {}..{} are no longer in the outbox; the log continues after them", from + 1, first - 1);
        rebase = first - 1;
      }
      return log.refill(from, end, positioned(rows), rebase).compose(r -> {
        if (r.appended() > 0) {
          // a check that read the marks just before a round appended finds nothing to do: only real gaps are told
          LOG.info("event log: appended {} events of positions {}..{} that it was missing", r.appended(), first, end);
        }
        meter.refilled(rows, r.appended());
        if (r.last() < end) {
          // someone else moved a partition meanwhile, or it lost data again: go on from where the log is
          return r.last() <= from ? Future.succeededFuture() : fill(r.last(), to);
        }
        return fill(end, to);
      });
    });
  }

  /**
   * Up to where a check refills: PostgreSQL's position as it was the grace (two polls, at least a
   * second) ago, or all of it after this node's own round or refill failed (its claimed positions
   * are then known to be missing, and waiting would only delay live push after a failover).
   */
  private long refillUpTo(long pg) {
    long now = System.nanoTime();
    long grace = TimeUnit.MILLISECONDS.toNanos(Math.max(1_000, 2 * pollMs));
    handedOut.addLast(new long[] {now, pg});
    while (!handedOut.isEmpty() && now - handedOut.peekFirst()[0] >= grace) {
      settled = Math.max(settled, handedOut.pollFirst()[1]);
    }
    return unsettled ? pg : Math.min(pg, settled);
  }

  /** Deletes relayed rows older than the retention, in chunks. */
  private void prune() {
    if (stopping || frozen) {
      return;
    }
    log.position()
        .compose(last -> pruneChunk(last))
        .onFailure(err -> failed("pruning the event outbox", err));
  }

  private Future<Void> pruneChunk(long last) {
    return pool.preparedQuery(EventSql.PRUNE).execute(Tuple.of(last, retentionMs, PRUNE_CHUNK))
        .compose(r -> r.rowCount() >= PRUNE_CHUNK && !stopping ? pruneChunk(last) : Future.succeededFuture());
  }

  private void failed(String what, Throwable err) {
    unsettled = true;
    long now = System.currentTimeMillis();
    // once every 10 s at most: while a server is away every poll fails the same way
    if (now - lastFailureLog > 10_000) {
      lastFailureLog = now;
      LOG.warn("{} failed, retrying: {}", what, err.toString());
    }
  }

  private static long highest(long[] marks) {
    long max = 0;
    for (long m : marks) {
      max = Math.max(max, m);
    }
    return max;
  }

  private static List<Row> list(RowSet<Row> rows) {
    List<Row> out = new ArrayList<>(rows.size());
    rows.forEach(out::add);
    return out;
  }

  private static List<EventLog.Positioned> positioned(List<Row> rows) {
    List<EventLog.Positioned> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(new EventLog.Positioned(r.getLong("pos"), r.getLong("account_id"), r.getString("body")));
    }
    return out;
  }
}
