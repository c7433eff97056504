package dev.switchboard.inbox.live;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hands the log's events from the node's fan-out to every bridge event loop: one task per XREAD
 * batch per event loop, which then writes each event to its own sockets of that account.
 *
 * <p>Why not an event-bus consumer per socket (what the SockJS bridge registers for each
 * {@code register} frame): every socket then costs a consumer dispatch, an envelope and a bridge
 * event per event, and a Vert.x 5 consumer buffers at most 1,000 messages, discarding past that
 * with only a log line, which would be a silent gap in a page's live view. Here the only queue
 * between the log and a socket is the socket's own, measured in bytes, and a socket past its
 * budget is dropped (the page reconnects and replays from /events): nothing is lost silently.
 */
final class LiveHub implements Shareable {

  private static final String MAP = "switchboard.live";

  /** One bridge event loop: its context and what it does with a batch. */
  record Sink(Context context, Handler<List<LiveEvent>> deliver) {
  }

  /** The node's fan-out, told when an account's first socket registers or its last one leaves. */
  record Interest(Context context, Handler<Long> changed) {
  }

  private final List<Sink> sinks = new CopyOnWriteArrayList<>();
  /** Registered sockets per account on this node, across every bridge event loop. */
  private final Map<Long, Integer> held = new ConcurrentHashMap<>();
  private volatile Interest interest;

  static LiveHub of(Vertx vertx) {
    return (LiveHub) vertx.sharedData().<String, Shareable>getLocalMap(MAP).computeIfAbsent("hub", k -> new LiveHub());
  }

  Sink attach(Context context, Handler<List<LiveEvent>> deliver) {
    Sink sink = new Sink(context, deliver);
    sinks.add(sink);
    return sink;
  }

  void detach(Sink sink) {
    sinks.remove(sink);
  }

  /** The fan-out's listener: called on its context with an account whose held state may have changed. */
  void watch(Context context, Handler<Long> changed) {
    interest = new Interest(context, changed);
  }

  void unwatch() {
    interest = null;
  }

  /** A socket registered for the account (from any bridge event loop). */
  void hold(long account) {
    if (held.merge(account, 1, Integer::sum) == 1) {
      changed(account);
    }
  }

  /** A socket of the account left (closed, unregistered, or registered elsewhere). */
  void release(long account) {
    if (held.compute(account, (k, n) -> n == null || n <= 1 ? null : n - 1) == null) {
      changed(account);
    }
  }

  /** Whether a socket of the account is registered on this node now. */
  boolean holds(long account) {
    return held.containsKey(account);
  }

  Set<Long> heldAccounts() {
    return Set.copyOf(held.keySet());
  }

  // The listener reads holds() when it runs, so changes posted from two event loops in a different
  // order than they happened still end in the right state.
  private void changed(long account) {
    Interest i = interest;
    if (i != null) {
      i.context().runOnContext(v -> i.changed().handle(account));
    }
  }

  /** Events in log order; each bridge event loop gets the same (immutable) list. */
  void publish(List<LiveEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<LiveEvent> batch = List.copyOf(events);
    for (Sink sink : sinks) {
      sink.context().runOnContext(v -> sink.deliver().handle(batch));
    }
  }
}
