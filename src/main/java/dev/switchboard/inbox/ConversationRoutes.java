package dev.switchboard.inbox;

import dev.switchboard.window.QueueTimers;
import dev.switchboard.conversation.Snoozes;
import dev.switchboard.config.Config;
import dev.switchboard.store.Replicas;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.conversation.ConversationFilter;
import dev.switchboard.conversation.ConversationService;
import dev.switchboard.conversation.ListCursor;
import dev.switchboard.conversation.StatusChange;
import dev.switchboard.conversation.WindowCursor;
import dev.switchboard.conversation.WorkQueue;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** The conversation list and tabs, one conversation, its status/assignee, history, reading and messages; bulk changes. */
public final class ConversationRoutes {

  private final ConversationService conversations;
  private final ReadSide<ConversationService> reads;
  private final ReadSide<WorkQueue> queueReads;
  private final QueueRoutes queueRoutes;

  public ConversationRoutes(Transactions tx, Replicas replicas, Config.Inbox config, Snoozes snoozes, QueueTimers timers) {
    this.reads = new ReadSide<>(tx, replicas, t -> new ConversationService(t, config));
    this.conversations = new ConversationService(tx, config);
    this.queueReads = new ReadSide<>(tx, replicas, WorkQueue::new);
    this.queueRoutes = new QueueRoutes(snoozes, timers);
  }

  public void mount(Router api) {
    api.get("/conversations").handler(this::list);
    api.get("/conversations/counts").handler(this::counts);
    api.post("/conversations/bulk").handler(this::bulk);
    api.get("/conversations/:id").handler(this::get);
    api.patch("/conversations/:id").handler(this::patch);
    api.get("/conversations/:id/history").handler(this::history);
    api.post("/conversations/:id/read").handler(this::read);
    api.get("/conversations/:id/messages").handler(this::messages);
    queueRoutes.mount(api);
  }

  private void list(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    ConversationFilter filter = ConversationFilter.fromQuery(ctx.queryParams());
    int limit = Bodies.limit(ctx);
    if (QueueRoutes.windowSort(ctx)) {
      WindowCursor at = WindowCursor.decode(ctx.queryParams().get("cursor"));
      Reply.ok(ctx, queueReads.forCaller(p).compose(on -> on.list(p.accountId(), p.userId(), filter, limit, at)));
      return;
    }
    ListCursor cursor = ListCursor.decode(ctx.queryParams().get("cursor"));
    Reply.ok(ctx, reads.forCaller(p).compose(on -> on.list(p.accountId(), p.userId(), filter, limit, cursor)));
  }

  private void counts(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    ConversationFilter filter = ConversationFilter.fromQuery(ctx.queryParams());
    Reply.ok(ctx, reads.forCaller(p).compose(on -> on.counts(p.accountId(), filter)));
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, conversations.get(p.accountId(), p.userId(), Ids.parse(ctx.pathParam("id"), "conversation")));
  }

  private void patch(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "conversation");
    StatusChange change = StatusChange.from(Bodies.object(ctx));
    Reply.ok(ctx, conversations.update(p.accountId(), p.userId(), p.actor(), id, change));
  }

  private void bulk(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    JsonObject body = Bodies.object(ctx);
    JsonArray raw = Bodies.array(body, "ids", true);
    if (raw.isEmpty()) {
      throw ApiException.unprocessable("missing_field", "ids must name at least one conversation");
    }
    if (raw.size() > ConversationService.BULK_MAX) {
      throw ApiException.unprocessable("too_many_ids", "at most " + ConversationService.BULK_MAX + " conversations per request");
    }
    List<Long> ids = Bodies.ids(raw, "ids", "conversation");
    StatusChange change = StatusChange.from(body);
    Reply.ok(ctx, conversations.bulk(p.accountId(), p.actor(), ids, change).map(n -> new JsonObject().put("updated", n)));
  }

  private void history(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, conversations.history(p.accountId(), Ids.parse(ctx.pathParam("id"), "conversation")));
  }

  private void read(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "conversation");
    // an empty body (or none) reads up to the newest message; {"messageId"} up to that one
    io.vertx.core.buffer.Buffer raw0 = ctx.body() == null ? null : ctx.body().buffer();
    String text = raw0 == null ? "" : raw0.toString().trim();
    JsonObject body = text.isEmpty() || "null".equals(text) ? new JsonObject() : Bodies.object(ctx);
    Object raw = body.getValue("messageId");
    Long messageId = raw == null ? null : Ids.parseField(raw instanceof String || raw instanceof Number ? raw : null, "messageId");
    Reply.ok(ctx, conversations.markRead(p.accountId(), p.userId(), id, messageId));
  }

  private void messages(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "conversation");
    int limit = Bodies.limit(ctx);
    String before = ctx.queryParams().get("before");
    Long beforeId = before == null || before.isBlank() ? null : Ids.parseField(before.trim(), "before");
    Reply.ok(ctx, conversations.messages(p.accountId(), id, limit, beforeId));
  }
}
