package dev.switchboard.bot;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Principal;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Versions;
import dev.switchboard.common.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/v1/flows}: every agent may read the account's flows; only admins change them. */
public final class FlowRoutes {

  /** A WhatsApp text's limit. */
  static final int TEST_TEXT_MAX = 4096;

  private final FlowService flows;

  private final Transactions tx;

  public FlowRoutes(Transactions tx) {
    this.tx = tx;
    this.flows = new FlowService(tx.pool());
  }

  public void mount(Router api) {
    api.get("/flows").handler(this::list);
    api.post("/flows").handler(this::create);
    api.post("/flows/test").handler(this::test);
    api.put("/flows/order").handler(this::order);
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
    tx.run(ev -> flows.create(ev.conn(), p.accountId(), body).map(f -> changed(ev, p, f)))
        .onSuccess(f -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(f.encode()))
        .onFailure(ctx::fail);
  }

  // A dry run: the customer text is bounded like a message's, the payload like a button's.
  private void test(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String text = Bodies.string(body, "text", true);
    if (text.length() > TEST_TEXT_MAX) {
      throw ApiException.unprocessable("text_too_long", "text must be at most " + TEST_TEXT_MAX + " characters");
    }
    Object rawChannel = body.getValue("channelId");
    if (!(rawChannel instanceof String) && !(rawChannel instanceof Number)) {
      throw ApiException.badRequest("missing_field", "channelId is required");
    }
    long channelId = Ids.parseField(rawChannel, "channelId");
    String payload = Bodies.string(body, "payload", false);
    if (payload != null && payload.length() > FlowJson.MAX_PAYLOAD) {
      throw ApiException.unprocessable("payload_too_long", "payload must be at most " + FlowJson.MAX_PAYLOAD + " characters");
    }
    Boolean first = Bodies.bool(body, "firstMessage");
    flows.test(p.accountId(), channelId, text, payload == null || payload.isEmpty() ? null : payload, Boolean.TRUE.equals(first))
        .onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "flow");
    JsonObject body = Bodies.object(ctx);
    String expected = Versions.expected(ctx);
    tx.run(ev -> flows.update(ev.conn(), p.accountId(), id, body, expected).map(f -> changed(ev, p, f)))
        .onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /**
   * {@code {"ids": [...]}}: every flow of the account once, in the order the bot tries them; one
   * transaction, so a reorder never leaves two flows at one place or half the list moved.
   */
  private void order(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonArray raw = Bodies.array(Bodies.object(ctx), "ids", true);
    if (raw.size() > FlowService.MAX_PER_ACCOUNT) {
      throw ApiException.unprocessable("too_many_ids", "ids names at most " + FlowService.MAX_PER_ACCOUNT + " flows");
    }
    java.util.List<Long> ids = new java.util.ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      long id = Ids.parseField(raw.getValue(i), "ids[" + i + "]");
      if (ids.contains(id)) {
        throw ApiException.unprocessable("duplicate_id", "ids names flow " + id + " twice");
      }
      ids.add(id);
    }
    tx.run(ev -> flows.order(ev.conn(), p.accountId(), ids)
            .onSuccess(moved -> moved.forEach(id -> ev.add(Event.settingsChanged(p.accountId(), "flows", id, false)))))
        .compose(moved -> flows.list(p.accountId()))
        .onSuccess(items -> ctx.json(new JsonObject().put("items", new JsonArray(items))))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "flow");
    tx.run(ev -> flows.delete(ev.conn(), p.accountId(), id)
            .onSuccess(v -> ev.add(Event.settingsChanged(p.accountId(), "flows", id, true))))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  /** The flow's view, after noting the change for every open page of the account. */
  private static JsonObject changed(TxEvents ev, Principal p, JsonObject flow) {
    ev.add(Event.settingsChanged(p.accountId(), "flows", Long.parseLong(flow.getString("id")), false));
    return flow;
  }
}
