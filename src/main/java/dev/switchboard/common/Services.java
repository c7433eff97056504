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
 * The handles one node opens at start-up (clients, pools, configuration, clock), kept by the
 * code that wires the node ({@code app}, {@code launch}) and read by tests. Parts never take it:
 * each receives in its constructor what it uses (PackageCyclesTest keeps it so). Every member is
 * safe to use from any event loop.
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
}
