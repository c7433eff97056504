package dev.switchboard.inbox;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.conversation.Snoozes;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import dev.switchboard.window.QueueTimers;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** The work queue's routes: snooze and unsnooze; the {@code sort} parameter of the conversation list. */
final class QueueRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(QueueRoutes.class);

  private final Snoozes snoozes;
  private final QueueTimers timers;

  QueueRoutes(Snoozes snoozes, QueueTimers timers) {
    this.snoozes = snoozes;
    this.timers = timers;
  }

  void mount(Router api) {
    api.post("/conversations/:id/snooze").handler(this::snooze);
    api.delete("/conversations/:id/snooze").handler(this::unsnooze);
  }

  /** {@code sort=window}: true; {@code activity} or none: false; anything else answers 400. */
  static boolean windowSort(RoutingContext ctx) {
    String sort = ctx.queryParams().get("sort");
    if (sort == null || sort.isBlank() || "activity".equals(sort.trim())) {
      return false;
    }
    if ("window".equals(sort.trim())) {
      return true;
    }
    throw ApiException.badRequest("invalid_field", "sort must be window or activity");
  }

  private void snooze(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "conversation");
    JsonObject body = Bodies.object(ctx);
    String raw = Bodies.string(body, "until", true);
    Instant until = parseUntil(raw);
    Reply.ok(ctx, snoozes.snooze(p.accountId(), p.userId(), p.actor(), id, until).compose(view ->
        // a lost schedule is rebuilt from PostgreSQL (the row holds snoozed_until); the answer does not wait on it
        timers.scheduleSnooze(id, until)
            .recover(err -> {
              LOG.warn("snooze: scheduling the wake of conversation {} failed (the timer rebuilds from PostgreSQL at its next tick): {}", id, err.toString());
              return io.vertx.core.Future.succeededFuture();
            })
            .map(view)));
  }

  private void unsnooze(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "conversation");
    Reply.ok(ctx, snoozes.unsnooze(p.accountId(), p.userId(), p.actor(), id));
  }

  /** An ISO-8601 date-time with an offset ({@code 2026-12-08T09:00:00Z}); anything else answers 422. */
  static Instant parseUntil(String raw) {
    if (raw.length() > 64) {
      throw ApiException.unprocessable("invalid_until", "until must be an ISO-8601 date-time with an offset, like 2026-12-08T09:00:00Z");
    }
    try {
      return OffsetDateTime.parse(raw.trim()).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.unprocessable("invalid_until", "until must be an ISO-8601 date-time with an offset, like 2026-12-08T09:00:00Z");
    }
  }
}
