package dev.switchboard.http;

import dev.switchboard.common.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Admission for requests that hold a database connection for as long as their client takes: a
 * file upload (its blob's transaction stays open while the body arrives) and a CSV export (its
 * cursor stays open while the client reads). Without a bound, one caller opening as many slow
 * ones as the pool has connections leaves every other account's requests waiting for a connection.
 *
 * <p>At most {@code total} run on a node (half its pool, so the other half always serves the
 * short requests) and at most {@code perAccount} for one account (so one account cannot take the
 * node's slots from the others). A request over either bound waits, first come first served, up
 * to {@code waitMs} for a slot (a team's burst of uploads is absorbed, not refused), then answers
 * 503 {@code busy} with Retry-After, or 429 {@code too_many_streams} when its own account holds its
 * share. One instance per node, shared by every event loop.
 */
public final class StreamSlots {

  /** Waiting requests per node beyond which a new one is refused at once. */
  static final int MAX_WAITING = 256;

  private final Vertx vertx;
  private final int total;
  private final int perAccount;
  private final long waitMs;
  private final Map<Long, Integer> held = new HashMap<>();
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int inUse;

  public StreamSlots(Vertx vertx, int total, int perAccount, long waitMs) {
    this.vertx = vertx;
    this.total = Math.max(1, total);
    this.perAccount = Math.max(1, perAccount);
    this.waitMs = waitMs;
  }

  /** The node's bound for a pool of {@code poolSize} connections: half of it, at least one. */
  public static int totalFor(int poolSize) {
    return Math.max(1, poolSize / 2);
  }

  /** A held slot; {@link #release} gives it back once, however often it is called. */
  public final class Slot {
    private final long accountId;
    private boolean released;

    private Slot(long accountId) {
      this.accountId = accountId;
    }

    public void release() {
      synchronized (StreamSlots.this) {
        if (released) {
          return;
        }
        released = true;
        inUse--;
        held.merge(accountId, -1, (a, b) -> a + b == 0 ? null : a + b);
      }
      handOn();
    }
  }

  private final class Waiter {
    final long accountId;
    final Promise<Slot> promise;
    final Context context;
    long timer;

    Waiter(long accountId, Promise<Slot> promise, Context context) {
      this.accountId = accountId;
      this.promise = promise;
      this.context = context;
    }
  }

  /** A slot for one of {@code accountId}'s streaming requests, now or once one is free. */
  public Future<Slot> acquire(long accountId) {
    Context context = vertx.getOrCreateContext();
    Promise<Slot> promise = Promise.promise();
    Waiter w;
    synchronized (this) {
      if (waiting.isEmpty() && fits(accountId)) {
        return Future.succeededFuture(take(accountId));
      }
      if (waiting.size() >= MAX_WAITING) {
        return Future.failedFuture(refusal(accountId));
      }
      w = new Waiter(accountId, promise, context);
      waiting.add(w);
    }
    w.timer = vertx.setTimer(waitMs, t -> {
      boolean gaveUp;
      synchronized (this) {
        gaveUp = waiting.remove(w);
      }
      if (gaveUp) {
        ApiException refused;
        synchronized (this) {
          refused = refusal(w.accountId);
        }
        w.context.runOnContext(v -> w.promise.tryFail(refused));
      }
    });
    return promise.future();
  }

  /** Slots in use on this node (for tests and metrics). */
  public synchronized int inUse() {
    return inUse;
  }

  private boolean fits(long accountId) {
    return inUse < total && held.getOrDefault(accountId, 0) < perAccount;
  }

  private Slot take(long accountId) {
    inUse++;
    held.merge(accountId, 1, Integer::sum);
    return new Slot(accountId);
  }

  private ApiException refusal(long accountId) {
    return held.getOrDefault(accountId, 0) >= perAccount
        ? new ApiException(429, "too_many_streams",
            "your account has " + perAccount + " uploads or exports running on this server; try again when one ends").retryAfter(5)
        : ApiException.unavailable("busy", "too many uploads and exports are running; try again shortly").retryAfter(5);
  }

  /** Gives freed slots to the longest-waiting requests that fit (a waiter whose account is at its share lets others pass). */
  private void handOn() {
    while (true) {
      Waiter next = null;
      Slot slot = null;
      synchronized (this) {
        for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (fits(w.accountId)) {
            it.remove();
            next = w;
            slot = take(w.accountId);
            break;
          }
        }
      }
      if (next == null) {
        return;
      }
      vertx.cancelTimer(next.timer);
      Waiter w = next;
      Slot s = slot;
      w.context.runOnContext(v -> {
        if (!w.promise.tryComplete(s)) {
          s.release();
        }
      });
    }
  }
}
