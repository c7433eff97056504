package dev.switchboard.conversation;

import dev.switchboard.common.WindowPolicy;
import dev.switchboard.events.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.time.Clock;
import java.util.function.Function;

/**
 * The database as the inbox changes it: a pool whose transactions carry their events
 * ({@link TxEvents}) and commit them together, with the clock and window rule the events' views
 * are read with. Every part that changes conversations, contacts or settings takes one of these.
 */
public final class Transactions {

  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;
  private final WindowPolicy windows;
  private final EventPublisher publisher;

  public Transactions(Vertx vertx, Pool pool, Clock clock, WindowPolicy windows, EventPublisher publisher) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
    this.windows = windows;
    this.publisher = publisher;
  }

  /** The same, reading from {@code other} (the read pool): for parts built to answer reads only. */
  public Transactions onPool(Pool other) {
    return new Transactions(vertx, other, clock, windows, publisher);
  }

  /**
   * Runs {@code work} in a transaction whose events commit with it. After the commit it wakes the
   * send pipeline when a message to send was queued, and answers once the relay has put the
   * events in the log: whoever reads {@code /events} after the answer finds them.
   */
  public <T> Future<T> run(Function<TxEvents, Future<T>> work) {
    TxEvents[] holder = new TxEvents[1];
    return pool.withTransaction(conn -> {
      TxEvents ev = open(conn);
      holder[0] = ev;
      return work.apply(ev).compose(result -> ev.write().map(result));
    }).compose(r -> {
      TxEvents ev = holder[0];
      ev.afterCommit();
      return ev.isEmpty() ? Future.succeededFuture(r) : publisher.relayed().map(r);
    });
  }

  /** The events of a transaction the caller runs itself; it calls {@link TxEvents#committed()} after the commit. */
  public TxEvents open(SqlConnection conn) {
    return new TxEvents(this, conn);
  }

  public Pool pool() {
    return pool;
  }

  public Clock clock() {
    return clock;
  }

  public WindowPolicy windows() {
    return windows;
  }

  Vertx vertx() {
    return vertx;
  }

  EventPublisher publisher() {
    return publisher;
  }
}
