package dev.switchboard.inbox.live;

import dev.switchboard.store.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bridge's sockets of one event loop by account, and the writes to them: each event goes to
 * every socket of its account, encoded once; a socket whose unwritten bytes pass the bridge's
 * queue limit is closed, never queued without bound. Touched only on its event loop.
 */
final class AccountSockets {

  private static final Logger LOG = LoggerFactory.getLogger(AccountSockets.class);

  private final Vertx vertx;
  private final BridgeStats stats;
  private final Clock clock;
  private final int maxQueueBytes;
  private final Set<SockJSSocket> dropping = new HashSet<>();
  // Bytes written to each socket whose write has not completed (reached the kernel, or a poll).
  private final Map<SockJSSocket, long[]> inFlight = new HashMap<>();
  // The sockets registered to each account on this event loop, and the account of each.
  private final Map<Long, Set<SockJSSocket>> byAccount = new HashMap<>();
  private final Map<SockJSSocket, Long> accountOf = new HashMap<>();

  AccountSockets(Vertx vertx, BridgeStats stats, Clock clock, int maxQueueBytes) {
    this.vertx = vertx;
    this.stats = stats;
    this.clock = clock;
    this.maxQueueBytes = maxQueueBytes;
  }

  /** A new socket: its writes are counted from now. */
  void opened(SockJSSocket socket) {
    inFlight.put(socket, new long[1]);
    socket.setWriteQueueMaxSize(maxQueueBytes);
  }

  /** A closed socket: forgotten, and its account released. */
  void closed(SockJSSocket socket) {
    unlisten(socket);
    dropping.remove(socket);
    inFlight.remove(socket);
  }

  /** The log's events of one XREAD batch, in order, to this event loop's sockets of each account. */
  void deliver(List<LiveEvent> batch) {
    for (LiveEvent e : batch) {
      Set<SockJSSocket> sockets = byAccount.get(e.accountId());
      if (sockets == null || sockets.isEmpty()) {
        continue;
      }
      String frame = e.frame(Bus.accountAddress(e.accountId()));
      // a copy: dropping a slow socket may close it, and its close handler edits the set
      for (SockJSSocket socket : List.copyOf(sockets)) {
        write(socket, frame, e.id());
      }
    }
  }

  void listen(SockJSSocket socket, JsonObject frame) {
    String address = frame != null && frame.getValue("address") instanceof String a ? a : null;
    if (address == null || !address.startsWith(Bus.ACCOUNT_ADDRESS_PREFIX)) {
      return;
    }
    long account;
    try {
      account = Long.parseLong(address.substring(Bus.ACCOUNT_ADDRESS_PREFIX.length()));
    } catch (NumberFormatException e) {
      return;
    }
    unlisten(socket);
    accountOf.put(socket, account);
    byAccount.computeIfAbsent(account, k -> new HashSet<>()).add(socket);
    LiveHub.of(vertx).hold(account);
  }

  void unlisten(SockJSSocket socket) {
    Long account = accountOf.remove(socket);
    if (account != null) {
      LiveHub.of(vertx).release(account);
      Set<SockJSSocket> sockets = byAccount.get(account);
      if (sockets != null) {
        sockets.remove(socket);
        if (sockets.isEmpty()) {
          byAccount.remove(account);
        }
      }
    }
  }

  // No back-pressure in the bridge: a socket that cannot keep up is closed (the page reconnects
  // and replays from /events) rather than queueing without bound. SockJS sessions hand every
  // frame straight to their WebSocket, so their own writeQueueFull() stays false however far
  // the browser lags: the bridge writes the frame itself and counts bytes not yet written out.
  void write(SockJSSocket socket, String text, String eventId) {
    long[] pending = inFlight.get(socket);
    if (dropping.contains(socket) || pending == null) {
      return;
    }
    try {
      // asked only for what it throws: the WebSocket closed under us (its close event is on its
      // way), nothing to deliver. Its answer is not the rule: it was seen true with 12 KB unsent,
      // when a new reader's look-back reached a socket that had just registered, and dropping
      // there makes a busy account's page reconnect into the same burst. The bytes counted here
      // are what a lagging browser makes grow, and what BRIDGE_MAX_QUEUE_BYTES bounds
      socket.writeQueueFull();
    } catch (IllegalStateException closing) {
      return;
    }
    if (pending[0] > maxQueueBytes) {
      dropping.add(socket);
      stats.slowDrop();
      LOG.info("dropping a slow bridge socket from {}: {} bytes not yet written", socket.remoteAddress(), pending[0]);
      socket.write(error("too_slow"));
      socket.close(LiveBridge.CLOSE_SLOW, "too slow: reconnect and replay from /events");
      return;
    }
    Buffer frame = Buffer.buffer(text);
    int size = frame.length();
    pending[0] += size;
    socket.write(frame).onComplete(ar -> pending[0] -= size);
    if (eventId != null) {
      stats.pushed(eventId, clock.millis());
    }
  }

  // One event goes to every socket of its account on this event loop: encode its frame once.
  private String encodedKey;
  private String encoded;

  String encode(JsonObject envelope) {
    if (envelope.getValue("body") instanceof JsonObject body && body.getValue("id") instanceof String id
        && envelope.getValue("address") instanceof String address && !envelope.containsKey("replyAddress")) {
      String key = address + '|' + id;
      if (!key.equals(encodedKey)) {
        encoded = envelope.encode();
        encodedKey = key;
      }
      return encoded;
    }
    return envelope.encode();
  }

  static Buffer error(String code) {
    return Buffer.buffer(new JsonObject().put("type", "err").put("body", code).encode());
  }
}
