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
    return transaction(work).compose(done -> {
      done.events().afterCommit();
      return done.events().isEmpty() ? Future.succeededFuture(done.result()) : publisher.relayed().map(done.result());
    });
  }

  /**
   * As {@link #run}, but answers at the commit: the relay is woken, not waited for. For a caller
   * whose next step must not wait behind the relay (a revoked key refused everywhere at once).
   */
  public <T> Future<T> runAndWake(Function<TxEvents, Future<T>> work) {
    return transaction(work).map(done -> {
      done.events().committed();
      return done.result();
    });
  }

  /** A committed transaction's events and what its work answered. */
  private record Done<T>(TxEvents events, T result) {
  }

  private <T> Future<Done<T>> transaction(Function<TxEvents, Future<T>> work) {
    return pool.withTransaction(conn -> {
      TxEvents ev = open(conn);
      return work.apply(ev).compose(result -> ev.write().map(new Done<>(ev, result)));
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
