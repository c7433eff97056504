package dev.switchboard.events;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * The one way an event is published: written into the event outbox in the transaction of the
 * change it describes, so it exists exactly when that change committed. After the commit the
 * caller calls {@link #committed()} to wake this node's relay; without it the relay's poll finds
 * the rows anyway, a moment later.
 *
 * <p>Order: the events of one transaction keep the order they were published in; transactions
 * follow each other in the order the relay sees them committed. Changes to one conversation lock
 * its row, so its events are in the order its changes committed.
 */
public final class EventPublisher {

  /** The local event-bus address that wakes the relay. */
  public static final String COMMITTED = "switchboard.events.committed";

  /** How long an answer waits for its events to reach the log at most. */
  static final long WAIT_MS = 1_000;

  private final Vertx vertx;
  private volatile EventRelayVerticle relay;

  public EventPublisher(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The node's relay, once it runs: {@link #relayed()} waits for it. */
  void attach(EventRelayVerticle relay) {
    this.relay = relay;
  }

  /** Writes the events, in order, inside the caller's transaction {@code tx}. */
  public Future<Void> write(SqlClient tx, List<Event> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] accounts = new Long[events.size()];
    String[] bodies = new String[events.size()];
    for (int i = 0; i < events.size(); i++) {
      accounts[i] = events.get(i).accountId();
      bodies[i] = events.get(i).encode();
    }
    return tx.preparedQuery(EventSql.INSERT).execute(Tuple.of(accounts, (Object) bodies)).mapEmpty();
  }

  /** Wakes this node's relay: a transaction that wrote events committed. */
  public void committed() {
    vertx.eventBus().publish(COMMITTED, null);
  }

  /**
   * Wakes this node's relay and completes (never fails) once it has relayed everything committed
   * before this call, or could not, or after {@link #WAIT_MS}: so an API call answers after its
   * events are in the log, and a client that reads {@code /events} after the answer finds them.
   * On the caller's context.
   */
  public Future<Void> relayed() {
    EventRelayVerticle r = relay;
    if (r == null) {
      committed();
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    r.await(done);
    // a relay working through a backlog (a burst of webhooks) must not hold an agent's answer for
    // long: after WAIT_MS the answer goes, and the events follow with the backlog
    long timer = vertx.setTimer(WAIT_MS, t -> done.tryComplete());
    Context caller = Vertx.currentContext();
    Promise<Void> back = Promise.promise();
    done.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (caller == null) {
        back.tryComplete();
      } else {
        caller.runOnContext(v -> back.tryComplete());
      }
    });
    return back.future();
  }
}
