package dev.switchboard.demo;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Owns the demo's {@link Simulator}: registers it before the node's HTTP verticles start (they
 * mount {@code /simulator} only when they find one), and on undeploy saves the customers' view
 * and unregisters it.
 */
public final class SimulatorVerticle extends VerticleBase {

  private final Simulator simulator;

  public SimulatorVerticle(Simulator simulator) {
    this.simulator = simulator;
  }

  @Override
  public Future<?> start() {
    simulator.register();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    simulator.unregister();
    return vertx.executeBlocking(() -> {
      simulator.save();
      return null;
    }).eventually(() -> {
      simulator.close();
      return Future.succeededFuture();
    });
  }
}
