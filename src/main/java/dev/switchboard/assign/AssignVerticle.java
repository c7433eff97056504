package dev.switchboard.assign;

import dev.switchboard.config.Config;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: runs assignment rounds every {@code ASSIGN_POLL_MS}, and again at once while
 * rounds come back full. Every node runs one; the queue's row locks and the per-account lock
 * make them share the work without assigning anything twice.
 */
public final class AssignVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AssignVerticle.class);

  private final Assigner assigner;
  private final Config.Presence config;
  private long timer = -1;
  private boolean running;
  private volatile boolean stopped;

  public AssignVerticle(Assigner assigner, Config.Presence config) {
    this.assigner = assigner;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(config.assignPollMs(), t -> drain());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void drain() {
    if (running || stopped) {
      return;
    }
    running = true;
    assigner.round().onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        LOG.warn("assignment round failed: {}", ar.cause().toString());
      } else if (ar.result().claimed() >= config.assignBatch() && !stopped) {
        vertx.runOnContext(v -> drain());
      }
    });
  }
}
