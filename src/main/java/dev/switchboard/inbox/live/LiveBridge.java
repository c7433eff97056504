package dev.switchboard.inbox.live;

import java.time.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import dev.switchboard.store.RedisStore;
import dev.switchboard.common.Tokens;
import dev.switchboard.config.ClientAddress;
import dev.switchboard.presence.Presence;
import dev.switchboard.common.Principal;
import dev.switchboard.auth.Sessions;
import dev.switchboard.config.Config;
import dev.switchboard.http.Errors;
import dev.switchboard.store.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, denying by default: a browser may only
 * register for its own account's address (checked against the JWT in the register frame),
 * may send nothing, is dropped when it cannot keep up, and is refused past the node's
 * connection budget. One instance per HTTP server instance; the accounting is node-wide.
 */
public final class LiveBridge {

  private static final Logger LOG = LoggerFactory.getLogger(LiveBridge.class);

  /** Close codes sent to refused or dropped sockets (SockJS/WebSocket application range). */
  public static final int CLOSE_BUDGET = 4001;
  public static final int CLOSE_SLOW = 4002;
  public static final int CLOSE_REGISTER_TIMEOUT = 4003;
  /** The socket's token expired, or its session was logged out, or its user's access changed. */
  public static final int CLOSE_SESSION_ENDED = 4004;
  /** How often registered sockets are checked against their tokens' expiry and revocations. */
  static final long SWEEP_MS = 1_000;

  private final Sessions sessions;
  private final Tokens tokens;
  private final RedisStore redis;
  private final Clock clock;
  private final long pingTimeoutMs;
  private final ClientAddress clients;
  private final Vertx vertx;
  private final BridgeStats stats;
  private final int maxQueueBytes;
  private final Set<String> allowedOrigins;
  // Touched only on this server instance's event loop: every socket of it lives there.
  private final Set<SockJSSocket> open = new HashSet<>();
  private final AccountSockets sockets;
  // Sockets that have not registered yet: their client address and their register deadline's timer.
  private final Map<SockJSSocket, Unregistered> unregistered = new HashMap<>();
  private final long registerTimeoutMs;

  private record Unregistered(String address, long timer) {
  }

  // Whose token each admitted socket registered with: swept every second for expiry and revocation.
  private final Map<SockJSSocket, Principal> holders = new HashMap<>();
  private long sweepTimer = -1;
  private LiveHub.Sink sink;
  private final Presence presence;

  public LiveBridge(Vertx vertx, Config.Bridge config, ClientAddress clients, Tokens tokens, Sessions sessions,
                    RedisStore redis, Presence presence, Clock clock, MeterRegistry metrics) {
    this.sessions = sessions;
    this.tokens = tokens;
    this.redis = redis;
    this.clock = clock;
    this.presence = presence;
    this.clients = clients;
    this.vertx = vertx;
    this.pingTimeoutMs = config.pingTimeoutMs();
    this.maxQueueBytes = config.maxQueueBytes();
    this.registerTimeoutMs = config.registerTimeoutMs();
    this.stats = BridgeStats.of(vertx, config.maxConnections(), config.maxUnregistered(),
        config.maxUnregisteredPerAddress(), metrics);
    this.sockets = new AccountSockets(vertx, stats, clock, maxQueueBytes);
    String origins = config.allowedOrigin();
    this.allowedOrigins = origins == null || "*".equals(origins)
        ? Set.of()
        : Set.copyOf(Arrays.stream(origins.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
  }

  public void mount(Router root) {
    SockJSHandler sockJS = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        // the iframe fallback page loads the inbox's own vendored client, never a CDN's floating version
        .setLibraryURL("/vendor/sockjs.min.js")
        .setRegisterWriteHandler(false)
        .setHeartbeatInterval(25_000));
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        // Only account addresses ever leave the node; nothing is permitted inbound.
        .setOutboundPermitteds(List.of(new PermittedOptions().setAddressRegex("inbox\\.account\\.\\d+")))
        .setInboundPermitteds(List.of())
        .setMaxHandlersPerSocket(4)
        .setMaxAddressLength(64)
        .setPingTimeout(pingTimeoutMs);
    root.route("/eventbus/*").handler(this::checkOrigin);
    // SockJS's HTTP fallbacks (xhr_send, jsonp_send) read their frames from the routing context's
    // body: without a BodyHandler every POST of a browser that cannot use WebSocket failed with 500.
    root.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    root.route("/eventbus/*").subRouter(sockJS.bridge(options, this::handle));
    // the log's events arrive here, on this server instance's event loop (see LiveHub)
    sink = LiveHub.of(vertx).attach(vertx.getOrCreateContext(), sockets::deliver);
    sweepTimer = vertx.setPeriodic(SWEEP_MS, t -> sweep());
  }

  /**
   * Ends sockets whose token expired or was revoked (logout, role or password change,
   * deactivation): one MGET for all of this event loop's sockets, every second, so a revocation
   * reaches every node's sockets within about a second.
   */
  private void sweep() {
    if (holders.isEmpty()) {
      return;
    }
    long nowSeconds = clock.millis() / 1000;
    List<SockJSSocket> swept = new ArrayList<>(holders.size());
    List<String> keys = new ArrayList<>(holders.size() * 2);
    for (Map.Entry<SockJSSocket, Principal> e : new ArrayList<>(holders.entrySet())) {
      if (e.getValue().expiresAt() <= nowSeconds) {
        end(e.getKey(), "token_expired");
        continue;
      }
      swept.add(e.getKey());
      keys.addAll(sessions.keys(e.getValue()));
    }
    if (keys.isEmpty()) {
      return;
    }
    redis.getAll(keys).onSuccess(values -> {
      for (int i = 0; i < swept.size(); i++) {
        Principal p = holders.get(swept.get(i));
        if (p != null && !Sessions.stillValid(p, values.get(2 * i), values.get(2 * i + 1))) {
          end(swept.get(i), "session_ended");
        }
      }
    });
  }

  private void end(SockJSSocket socket, String why) {
    left(socket);
    sockets.unlisten(socket);
    socket.write(error(why));
    socket.close(CLOSE_SESSION_ENDED, why);
  }

  /** The socket's holder no longer counts towards their presence on this node. */
  private void left(SockJSSocket socket) {
    Principal gone = holders.remove(socket);
    if (gone != null) {
      presence.closed(gone.accountId(), gone.userId());
    }
  }

  /** Stops taking events from the hub (the server instance is going away). */
  public void close() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
    if (sink != null) {
      LiveHub.of(vertx).detach(sink);
      sink = null;
    }
  }

  /** Node-wide counters (tests and benchmarks read them). */
  public BridgeStats stats() {
    return stats;
  }

  private void checkOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    // No Origin header: not a browser page, so not a cross-site risk; the token still gates everything.
    if (allowedOrigins.isEmpty() || origin == null || allowedOrigins.contains(origin)) {
      ctx.next();
      return;
    }
    ctx.response().setStatusCode(403).putHeader("Content-Type", "application/json")
        .end(Errors.body("origin_not_allowed", "this origin may not open the live bridge").encode());
  }

  private void handle(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    switch (event.type()) {
      case SOCKET_CREATED -> created(event, socket);
      case SOCKET_CLOSED -> {
        if (open.remove(socket)) {
          stats.closed();
        }
        left(socket);
        leaveUnregistered(socket);
        sockets.closed(socket);
        event.complete(true);
      }
      case REGISTER -> register(event);
      case REGISTERED -> {
        sockets.listen(socket, event.getRawMessage());
        event.complete(true);
      }
      case UNREGISTER -> {
        sockets.unlisten(socket);
        event.complete(true);
      }
      case SEND, PUBLISH -> {
        stats.deny();
        event.complete(false);
      }
      case RECEIVE -> receive(event, socket);
      default -> event.complete(true);
    }
  }

  // A new socket takes no place in the connection budget until it registers with a valid token:
  // until then it holds one of the few places for anonymous sockets, for BRIDGE_REGISTER_TIMEOUT_MS
  // at most (pings do not extend it).
  private void created(BridgeEvent event, SockJSSocket socket) {
    String address = clientAddress(socket);
    if (!stats.tryOpenUnregistered(address)) {
      refuse(socket, "too many sockets that have not registered");
      event.complete(false);
      return;
    }
    long timer = vertx.setTimer(registerTimeoutMs, t -> {
      if (unregistered.remove(socket) != null) {
        stats.closedUnregistered(address);
        stats.registerTimeout();
        socket.write(error("register_timeout"));
        socket.close(CLOSE_REGISTER_TIMEOUT, "no register frame with a valid token in time");
      }
    });
    unregistered.put(socket, new Unregistered(address, timer));
    sockets.opened(socket);
    event.complete(true);
  }

  /** The socket proved its token: it moves from the anonymous places to the connection budget. */
  private boolean admit(SockJSSocket socket) {
    if (open.contains(socket)) {
      return true;
    }
    if (!stats.tryOpen()) {
      refuse(socket, "connection limit reached");
      return false;
    }
    open.add(socket);
    leaveUnregistered(socket);
    return true;
  }

  private void leaveUnregistered(SockJSSocket socket) {
    Unregistered u = unregistered.remove(socket);
    if (u != null) {
      vertx.cancelTimer(u.timer());
      stats.closedUnregistered(u.address());
    }
  }

  private void refuse(SockJSSocket socket, String why) {
    if (stats.shouldLogRefusal(clock.millis())) {
      // At most once a minute: a flood of refused sockets must not flood the log too.
      LOG.warn("bridge refusing new sockets ({}; budget {}, {} refused so far)", why, stats.maxConnections, stats.refused());
    }
    socket.write(error("connection_limit"));
    socket.close(CLOSE_BUDGET, why);
  }

  private String clientAddress(SockJSSocket socket) {
    return clients.of(socket.remoteAddress(), socket.headers());
  }

  // The register frame carries "authorization: Bearer <jwt>"; the address must be that token's account.
  private void register(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    // A hostile client may send any JSON: read by type, never by cast.
    String address = frame != null && frame.getValue("address") instanceof String a ? a : null;
    String token = bearer(frame != null && frame.getValue("headers") instanceof JsonObject h ? h : null);
    if (address == null || token == null) {
      deny(event);
      return;
    }
    // a valid signature is not enough: the token's session must still be live (Sessions.check)
    tokens.verify(token)
        .compose(p -> sessions.check(p).map(p))
        .onComplete(ar -> {
          if (ar.failed() || !address.equals(Bus.accountAddress(ar.result().accountId()))) {
            deny(event);
          } else if (admit(event.socket())) {
            if (holders.put(event.socket(), ar.result()) == null) {
              presence.opened(ar.result().accountId(), ar.result().userId());
            }
            event.complete(true);
          } else {
            event.complete(false);
          }
        });
  }

  private void deny(BridgeEvent event) {
    stats.deny();
    event.complete(false);
  }

  private static String bearer(JsonObject headers) {
    if (headers == null) {
      return null;
    }
    for (String name : headers.fieldNames()) {
      if ("authorization".equalsIgnoreCase(name) && headers.getValue(name) instanceof String value
          && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String token = value.substring(7).trim();
        return token.isEmpty() ? null : token;
      }
    }
    return null;
  }

  // What the bridge itself delivers (anything published as JSON on an account address on this
  // node, e.g. probes); the log's events come through deliver() instead.
  private void receive(BridgeEvent event, SockJSSocket socket) {
    JsonObject envelope = event.getRawMessage();
    String eventId = envelope.getValue("body") instanceof JsonObject body && body.getValue("id") instanceof String id ? id : null;
    sockets.write(socket, sockets.encode(envelope), eventId);
    // Written here (or dropped), so the bridge must not write it again.
    event.complete(false);
  }

  private static Buffer error(String code) {
    return AccountSockets.error(code);
  }
}
