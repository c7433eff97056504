package dev.switchboard.inbox.live;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide bridge accounting shared by every HTTP server instance of one node: registered
 * sockets (bounded by the connection budget), sockets not yet registered (bounded apart, per node
 * and per client address, so anonymous sockets never take agents' places), slow sockets dropped,
 * sockets refused.
 */
public final class BridgeStats implements Shareable {

  private static final String MAP = "switchboard.live";

  final int maxConnections;
  final int maxUnregistered;
  final int maxUnregisteredPerAddress;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger unregistered = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> unregisteredByAddress = new ConcurrentHashMap<>();
  private final AtomicLong registerTimeouts = new AtomicLong();
  private final AtomicLong slowDrops = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();

  private Timer pushDelay;

  private BridgeStats(int maxConnections, int maxUnregistered, int maxUnregisteredPerAddress) {
    this.maxConnections = maxConnections;
    this.maxUnregistered = maxUnregistered;
    this.maxUnregisteredPerAddress = maxUnregisteredPerAddress;
  }

  /** The one instance of this node (created, with its meters, by the first server instance). */
  static BridgeStats of(Vertx vertx, int maxConnections, int maxUnregistered, int maxUnregisteredPerAddress,
                        MeterRegistry metrics) {
    return (BridgeStats) vertx.sharedData().<String, Shareable>getLocalMap(MAP).computeIfAbsent("stats",
        k -> new BridgeStats(maxConnections, maxUnregistered, maxUnregisteredPerAddress).register(metrics));
  }

  private BridgeStats register(MeterRegistry metrics) {
    if (metrics != null) {
      Gauge.builder("switchboard.bridge.connections", connections, AtomicInteger::get)
          .description("open SockJS bridge sockets on this node").register(metrics);
      Gauge.builder("switchboard.bridge.max.connections", this, s -> s.maxConnections)
          .description("the node's connection budget (BRIDGE_MAX_CONNECTIONS)").register(metrics);
      FunctionCounter.builder("switchboard.bridge.slow.drops", slowDrops, AtomicLong::get)
          .description("sockets closed because their write queue was full").register(metrics);
      FunctionCounter.builder("switchboard.bridge.refused", refused, AtomicLong::get)
          .description("sockets refused because the connection budget was spent").register(metrics);
      Gauge.builder("switchboard.bridge.unregistered", unregistered, AtomicInteger::get)
          .description("open bridge sockets that have not registered yet").register(metrics);
      FunctionCounter.builder("switchboard.bridge.register.timeouts", registerTimeouts, AtomicLong::get)
          .description("sockets closed for not registering within BRIDGE_REGISTER_TIMEOUT_MS").register(metrics);
      FunctionCounter.builder("switchboard.bridge.denied", denied, AtomicLong::get)
          .description("register, send and publish frames refused").register(metrics);
      pushDelay = Timer.builder("switchboard.bridge.push.delay")
          .description("from an event's append to Redis (its id's time) to its write to a bridge socket")
          .publishPercentiles(0.5, 0.99)
          .register(metrics);
    }
    return this;
  }

  /** Takes a connection slot; false when the budget is spent (the refusal is counted). */
  boolean tryOpen() {
    while (true) {
      int n = connections.get();
      if (n >= maxConnections) {
        refused.incrementAndGet();
        return false;
      }
      if (connections.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Takes a place for a socket that has not registered yet, from the node's and its client
   * address's; false (nothing taken, the refusal counted) when either is full.
   */
  boolean tryOpenUnregistered(String address) {
    boolean[] placed = {false};
    unregisteredByAddress.compute(address, (a, n) -> {
      int held = n == null ? 0 : n;
      if (held >= maxUnregisteredPerAddress) {
        return n;
      }
      placed[0] = true;
      return held + 1;
    });
    if (placed[0] && unregistered.incrementAndGet() <= maxUnregistered) {
      return true;
    }
    if (placed[0]) {
      unregistered.decrementAndGet();
      releaseAddress(address);
    }
    refused.incrementAndGet();
    return false;
  }

  void closedUnregistered(String address) {
    unregistered.decrementAndGet();
    releaseAddress(address);
  }

  // the entry goes with its last socket, so a scan from many addresses leaves nothing behind
  private void releaseAddress(String address) {
    unregisteredByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  void registerTimeout() {
    registerTimeouts.incrementAndGet();
  }

  public int unregistered() {
    return unregistered.get();
  }

  public long registerTimeouts() {
    return registerTimeouts.get();
  }

  /** Records append-to-socket delay; the event id's first part is Redis's clock at append (ms). */
  void pushed(String eventId, long nowMillis) {
    if (pushDelay == null || eventId == null) {
      return;
    }
    int dash = eventId.indexOf('-');
    try {
      long appended = Long.parseLong(dash < 0 ? eventId : eventId.substring(0, dash));
      pushDelay.record(Math.max(0, nowMillis - appended), TimeUnit.MILLISECONDS);
    } catch (NumberFormatException ignored) {
      // not a log event (e.g. a probe published straight on the bus)
    }
  }

  private final AtomicLong lastRefusalLog = new AtomicLong(Long.MIN_VALUE / 2);

  boolean shouldLogRefusal(long nowMillis) {
    long last = lastRefusalLog.get();
    return nowMillis - last >= 60_000 && lastRefusalLog.compareAndSet(last, nowMillis);
  }

  void closed() {
    connections.decrementAndGet();
  }

  void slowDrop() {
    slowDrops.incrementAndGet();
  }

  void deny() {
    denied.incrementAndGet();
  }

  public int connections() {
    return connections.get();
  }

  public long slowDrops() {
    return slowDrops.get();
  }

  public long refused() {
    return refused.get();
  }

  public long denied() {
    return denied.get();
  }

  /** This node's stats, or null before the bridge is mounted. */
  public static BridgeStats of(Vertx vertx) {
    return (BridgeStats) vertx.sharedData().<String, Shareable>getLocalMap(MAP).get("stats");
  }
}
