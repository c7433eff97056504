package dev.switchboard.common;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A node's loop over work leased from a PostgreSQL queue (the send pipeline, the media fetch
 * queue): one round at a time claims a batch and works every item of it; an item whose
 * bookkeeping fails is logged and left to its lease, which hands it to any node later. A nudge
 * during a round, or a full batch, starts the next round at once; otherwise the loop waits for
 * the next nudge (a new row's event, the periodic poll). Used on one event loop.
 */
public final class LeasedLoop<T> {

  private static final Logger LOG = LoggerFactory.getLogger(LeasedLoop.class);

  private final Vertx vertx;
  private final String what;
  private final Supplier<Future<List<T>>> claim;
  private final Function<T, Future<Void>> work;
  private final Function<T, Object> id;
  private final int full;
  private boolean stopping;
  private boolean again;
  private Future<Void> round;

  /**
   * @param what  the work's name in log lines ("send", "media fetch")
   * @param claim takes the next batch, leased to this node
   * @param id    an item's id in log lines
   * @param full  a batch this large may have left more behind: claim again at once
   */
  public LeasedLoop(Vertx vertx, String what, Supplier<Future<List<T>>> claim, Function<T, Future<Void>> work,
                    Function<T, Object> id, int full) {
    this.vertx = vertx;
    this.what = what;
    this.claim = claim;
    this.work = work;
    this.id = id;
    this.full = full;
  }

  /** Starts a round, or asks the one running for another after it. */
  public void nudge() {
    if (stopping) {
      return;
    }
    if (round != null && !round.isComplete()) {
      again = true;
      return;
    }
    again = false;
    Promise<Void> done = Promise.promise();
    round = done.future();
    claim.get().compose(items -> {
      List<Future<Void>> all = new ArrayList<>();
      for (T item : items) {
        all.add(work.apply(item).recover(err -> {
          LOG.warn("{} {}: bookkeeping failed, the lease hands it back: {}", what, id.apply(item), err.toString());
          return Future.succeededFuture();
        }));
      }
      return Future.join(all).map(v -> items.size());
    }).onComplete(ar -> {
      done.complete();
      if (ar.failed()) {
        LOG.warn("{} claim failed: {}", what, ar.cause().toString());
      } else if (!stopping && (again || ar.result() >= full)) {
        vertx.runOnContext(v -> nudge());
      }
    });
  }

  /** Whether {@link #stop()} was called: work in flight may give its item back rather than start it. */
  public boolean stopping() {
    return stopping;
  }

  /** Claims nothing more; completes when the round in flight has. */
  public Future<Void> stop() {
    stopping = true;
    return round == null ? Future.succeededFuture() : round.otherwiseEmpty();
  }
}
