package dev.switchboard.presence;

import dev.switchboard.config.Config;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One per node: renews this node's presence leases and ends the expired ones of every node. */
public final class PresenceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);

  private final Presence presence;
  private final Config.Presence config;
  private long heartbeat = -1;
  private long sweep = -1;
  private boolean sweeping;

  public PresenceVerticle(Presence presence, Config.Presence config) {
    this.presence = presence;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    heartbeat = vertx.setPeriodic(Math.max(100, config.nodeTtlMs() / 3), t -> presence.heartbeat());
    sweep = vertx.setPeriodic(config.sweepMs(), t -> {
      if (sweeping) {
        return;
      }
      sweeping = true;
      presence.sweep()
          .onFailure(err -> LOG.debug("presence sweep failed: {}", err.toString()))
          .onComplete(ar -> sweeping = false);
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeat);
    vertx.cancelTimer(sweep);
    return Future.succeededFuture();
  }
}
