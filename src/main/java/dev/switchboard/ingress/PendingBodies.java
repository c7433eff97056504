package dev.switchboard.ingress;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of webhook bodies a node holds before their signature is checked, across all its
 * HTTP event loops. Anyone can open a socket and start a body, so these bytes have a budget of
 * their own: a request that would take the total past it is refused, and a flood of senders
 * costs the node at most the budget, whatever their {@code Content-Length} says.
 */
final class PendingBodies implements Shareable {

  private final long budget;
  private final AtomicLong held = new AtomicLong();

  private PendingBodies(long budget) {
    this.budget = budget;
  }

  /** The node's one instance (the first HTTP verticle creates it and registers its gauge). */
  static PendingBodies of(Vertx vertx, long budget, MeterRegistry metrics) {
    LocalMap<String, PendingBodies> map = vertx.sharedData().getLocalMap("switchboard.ingress");
    PendingBodies fresh = new PendingBodies(budget);
    PendingBodies existing = map.putIfAbsent("pending", fresh);
    if (existing != null) {
      return existing;
    }
    if (metrics != null) {
      Gauge.builder("switchboard_ingress_pending_bytes", fresh.held, AtomicLong::get)
          .description("webhook body bytes received but not yet verified, across the node").register(metrics);
    }
    return fresh;
  }

  /** Takes {@code n} bytes from the budget; false (and nothing taken) when they do not fit. */
  boolean take(long n) {
    while (true) {
      long now = held.get();
      if (now + n > budget) {
        return false;
      }
      if (held.compareAndSet(now, now + n)) {
        return true;
      }
    }
  }

  void give(long n) {
    held.addAndGet(-n);
  }

  /** True while no byte of the budget is left for a new request. */
  boolean full() {
    return held.get() >= budget;
  }

  long held() {
    return held.get();
  }
}
