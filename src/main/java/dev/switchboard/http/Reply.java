package dev.switchboard.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Ends a request with a future's JSON (200 or 201), or hands its failure to {@link Errors}. */
public final class Reply {

  private Reply() {
  }

  public static void ok(RoutingContext ctx, Future<JsonObject> f) {
    f.onSuccess(ctx::json).onFailure(ctx::fail);
  }

  public static void created(RoutingContext ctx, Future<JsonObject> f) {
    f.onSuccess(body -> {
      ctx.response().setStatusCode(201);
      ctx.json(body);
    }).onFailure(ctx::fail);
  }

  public static void noContent(RoutingContext ctx, Future<?> f) {
    f.onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }
}
