package dev.switchboard.presence;

import java.time.Clock;
import io.vertx.sqlclient.Pool;
import dev.switchboard.store.RedisStore;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Times;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * {@code PUT /me/presence {"availability": "available" | "away"}} and the collision-control
 * signal {@code POST /conversations/{id}/activity {"kind": "viewing" | "left" | "typing", "mode":
 * "reply" | "note"}}: published to the account's other pages as {@code conversation.viewing} /
 * {@code conversation.typing}, at most one per agent, conversation and kind every
 * {@code ACTIVITY_THROTTLE_MS} across nodes, never stored.
 */
public final class PresenceRoutes {

  private static final String CONVERSATION = "SELECT 1 FROM conversations WHERE id = $1 AND account_id = $2";

  private final Pool pool;
  private final RedisStore redis;
  private final Clock clock;
  private final Presence presence;
  private final int activityThrottleMs;

  public PresenceRoutes(Pool pool, RedisStore redis, Clock clock, Presence presence, int activityThrottleMs) {
    this.pool = pool;
    this.redis = redis;
    this.clock = clock;
    this.presence = presence;
    this.activityThrottleMs = activityThrottleMs;
  }

  public void mount(Router api) {
    api.put("/me/presence").handler(this::setPresence);
    api.post("/conversations/:id/activity").handler(this::activity);
  }

  private static Principal agent(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    if (p.isApiKey()) {
      throw ApiException.forbidden("presence belongs to agents, not API keys");
    }
    return p;
  }

  private void setPresence(RoutingContext ctx) {
    Principal p = agent(ctx);
    String availability = Bodies.string(Bodies.object(ctx), "availability", true).trim().toLowerCase();
    if (!Presence.AVAILABLE.equals(availability) && !Presence.AWAY.equals(availability)) {
      throw ApiException.unprocessable("invalid_availability", "availability must be available or away");
    }
    Reply.ok(ctx, presence.setAvailability(p.accountId(), p.userId(), availability));
  }

  private void activity(RoutingContext ctx) {
    Principal p = agent(ctx);
    long conversationId = Ids.parse(ctx.pathParam("id"), "conversation");
    JsonObject body = Bodies.object(ctx);
    String kind = Bodies.string(body, "kind", true);
    String mode = Bodies.string(body, "mode", false);
    if (!List.of("viewing", "left", "typing").contains(kind)) {
      throw ApiException.unprocessable("invalid_kind", "kind must be viewing, left or typing");
    }
    if ("typing".equals(kind) && mode == null) {
      mode = "reply";
    }
    if (mode != null && !"reply".equals(mode) && !"note".equals(mode)) {
      throw ApiException.unprocessable("invalid_mode", "mode must be reply or note");
    }
    String finalMode = mode;
    JsonObject event = new JsonObject()
        .put("type", "typing".equals(kind) ? "conversation.typing" : "conversation.viewing")
        .put("accountId", String.valueOf(p.accountId()))
        .put("conversationId", String.valueOf(conversationId))
        .put("agent", new JsonObject().put("id", String.valueOf(p.userId())).put("name", p.name()));
    if ("typing".equals(kind)) {
      event.put("mode", finalMode);
    } else {
      event.put("viewing", "viewing".equals(kind));
    }
    event.put("at", Times.iso(clock.instant()));
    Reply.ok(ctx, pool.preparedQuery(CONVERSATION).execute(Tuple.of(conversationId, p.accountId()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ApiException.notFound("conversation"));
          }
          return admitted(p, conversationId, kind, finalMode);
        })
        .compose(admitted -> admitted
            ? Ephemeral.publish(redis, event).map(new JsonObject().put("published", true))
            : Future.succeededFuture(new JsonObject().put("published", false))));
  }

  // "left" always goes out (it ends a viewer's mark at once); the rest once per throttle window, across nodes
  private Future<Boolean> admitted(Principal p, long conversationId, String kind, String mode) {
    int throttle = activityThrottleMs;
    if ("left".equals(kind) || throttle == 0) {
      return Future.succeededFuture(true);
    }
    String k = redis.key("activity:" + p.accountId() + ":" + p.userId() + ":" + conversationId + ":" + kind
        + (mode == null ? "" : ":" + mode));
    return redis.api().set(List.of(k, "1", "NX", "PX", String.valueOf(throttle))).map(r -> r != null);
  }
}
