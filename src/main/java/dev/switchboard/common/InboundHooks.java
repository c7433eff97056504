package dev.switchboard.common;

import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Parts that react to newly stored customer messages register here (the bot, the window
 * timer). The processor calls {@link Hook#inTransaction} inside the transaction that stores the
 * messages, so whatever a hook writes there commits exactly once with them (or not at all), and
 * {@link Hook#afterCommit} once they are durable. Messages come in order per conversation.
 */
public final class InboundHooks {

  /** A reaction to new inbound messages. */
  public interface Hook {
    /** Runs in the transaction that stores the messages; what it publishes goes into {@code tx}'s events. */
    default Future<Void> inTransaction(TxChanges tx, List<Inbound> created) {
      return Future.succeededFuture();
    }

    default void afterCommit(List<Inbound> created) {
    }
  }

  private final List<Hook> hooks = new CopyOnWriteArrayList<>();

  public void register(Hook hook) {
    hooks.add(hook);
  }

  public void unregister(Hook hook) {
    hooks.remove(hook);
  }

  /** Runs every hook in order inside the transaction; the first failure fails (and rolls back) the batch. */
  public Future<Void> inTransaction(TxChanges tx, List<Inbound> created) {
    Future<Void> chain = Future.succeededFuture();
    if (created.isEmpty()) {
      return chain;
    }
    for (Hook h : hooks) {
      chain = chain.compose(v -> h.inTransaction(tx, created));
    }
    return chain;
  }

  public void afterCommit(List<Inbound> created) {
    if (created.isEmpty()) {
      return;
    }
    for (Hook h : hooks) {
      h.afterCommit(created);
    }
  }
}
