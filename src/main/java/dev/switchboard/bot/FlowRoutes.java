package dev.switchboard.bot;

import dev.switchboard.common.Principal;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Services;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/v1/flows}: every agent may read the account's flows; only admins change them. */
public final class FlowRoutes {

  private final FlowService flows;

  public FlowRoutes(Services s) {
    this.flows = new FlowService(s.pool());
  }

  public void mount(Router api) {
    api.get("/flows").handler(this::list);
    api.post("/flows").handler(this::create);
    api.get("/flows/:id").handler(this::get);
    api.put("/flows/:id").handler(this::update);
    api.delete("/flows/:id").handler(this::delete);
  }

  private void list(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    flows.list(p.accountId())
        .onSuccess(items -> ctx.json(new JsonObject().put("items", new JsonArray(items))))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "flow");
    flows.get(p.accountId(), id).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    flows.create(p.accountId(), body)
        .onSuccess(f -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(f.encode()))
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "flow");
    JsonObject body = Bodies.object(ctx);
    flows.update(p.accountId(), id, body).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "flow");
    flows.delete(p.accountId(), id)
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }
}
