package dev.switchboard.common;

import dev.switchboard.config.Config;
import dev.switchboard.events.EventPublisher;
import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import dev.switchboard.store.Replicas;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;

import java.time.Clock;

/**
 * What one node shares between its verticles: built once at start-up by the app and handed to
 * each part. Every member is safe to use from any event loop.
 */
public record Services(
    Vertx vertx,
    Config config,
    Pool pool,
    RedisStore redis,
    EventLog events,
    Tokens tokens,
    WebClient graph,
    MeterRegistry metrics,
    Clock clock,
    WindowPolicy windows,
    InboundHooks inboundHooks,
    EventPublisher publisher,
    Replicas replicas) {

  /** The same parts reading from {@code other} (the read pool): for queries that only read. */
  public Services onPool(Pool other) {
    return new Services(vertx, config, other, redis, events, tokens, graph, metrics, clock, windows, inboundHooks,
        publisher, replicas);
  }
}
