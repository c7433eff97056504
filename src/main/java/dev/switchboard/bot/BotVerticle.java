package dev.switchboard.bot;

import dev.switchboard.common.InboundHooks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Wires the bot to the processor: registers {@link BotHook} with the inbound hooks while deployed. */
public final class BotVerticle extends VerticleBase {

  private final InboundHooks hooks;
  private final BotHook hook;

  public BotVerticle(InboundHooks hooks, BotHook hook) {
    this.hooks = hooks;
    this.hook = hook;
  }

  @Override
  public Future<?> start() {
    hooks.register(hook);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    hooks.unregister(hook);
    return Future.succeededFuture();
  }
}
