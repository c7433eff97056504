package dev.switchboard.inbox.live;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.List;
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

  private final List<Sink> sinks = new CopyOnWriteArrayList<>();

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
