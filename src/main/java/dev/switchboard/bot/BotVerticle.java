package dev.switchboard.bot;

import dev.switchboard.common.Services;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Wires the bot to the processor: registers {@link BotHook} with the inbound hooks while deployed. */
public final class BotVerticle extends VerticleBase {

  private final Services services;
  private BotHook hook;

  public BotVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    hook = new BotHook(services, new OutboxBotReplies(services));
    services.inboundHooks().register(hook);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    services.inboundHooks().unregister(hook);
    return Future.succeededFuture();
  }
}
