package dev.switchboard.inbox.live;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide bridge accounting shared by every HTTP server instance of one node: open
 * sockets (bounded by the connection budget), slow sockets dropped, sockets refused.
 */
public final class BridgeStats implements Shareable {

  private static final String MAP = "switchboard.live";

  final int maxConnections;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong slowDrops = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();

  private Timer pushDelay;

  private BridgeStats(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /** The one instance of this node (created, with its meters, by the first server instance). */
  static BridgeStats of(Vertx vertx, int maxConnections, MeterRegistry metrics) {
    return (BridgeStats) vertx.sharedData().<String, Shareable>getLocalMap(MAP)
        .computeIfAbsent("stats", k -> new BridgeStats(maxConnections).register(metrics));
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
