package dev.switchboard.inbox.live;

import dev.switchboard.common.Principal;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.store.EventLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code GET /events?after=<id>&limit=}: the caller's account events after an id, oldest first,
 * so a page that reconnects replays what it missed; 410 {@code events_gone} when the log no
 * longer holds what came after that id (the page reloads its lists instead).
 */
public final class EventRoutes {

  // A stream id: milliseconds, optionally "-sequence".
  private static final Pattern EVENT_ID = Pattern.compile("\\d{1,19}(-\\d{1,19})?");

  private final EventLog events;

  public EventRoutes(EventLog events) {
    this.events = events;
  }

  public void mount(Router api) {
    api.get("/events").handler(this::list);
  }

  private void list(RoutingContext ctx) {
    Principal who = Principal.of(ctx);
    String after = ctx.request().getParam("after");
    if (after != null && !after.isBlank() && !EVENT_ID.matcher(after.trim()).matches()) {
      throw ApiException.badRequest("invalid_field", "after must be an event id like 1700000000000-0");
    }
    int limit = Bodies.limit(ctx);
    EventLog log = events;
    Future<List<JsonObject>> items = log.read(who.accountId(), after == null ? null : after.trim(), limit);
    Future<String> newest = items.compose(v -> log.newestId(who.accountId()));
    newest
        .onSuccess(last -> {
          List<JsonObject> list = items.result();
          JsonObject body = new JsonObject()
              .put("items", new JsonArray(list))
              // Where to resume: null on the last page (as every list of the API).
              .put("nextCursor", list.size() == limit ? list.get(list.size() - 1).getString("id") : null)
              // The newest id in the account's log: a fresh page starts its cursor here.
              .put("lastId", last);
          ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
        })
        .onFailure(err -> ctx.fail(err instanceof EventLog.GoneException
            ? ApiException.gone("events_gone", err.getMessage() + "; reload the lists")
            : err));
  }
}
