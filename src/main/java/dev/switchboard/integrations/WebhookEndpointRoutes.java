package dev.switchboard.integrations;

import io.vertx.sqlclient.Pool;
import io.vertx.core.Vertx;
import dev.switchboard.config.Config;
import dev.switchboard.common.AccountLimit;
import dev.switchboard.events.Event;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Text;
import dev.switchboard.common.Times;
import dev.switchboard.events.EventType;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code /webhook-endpoints}: an admin registers the URLs that receive the account's events,
 * rotates their signing secrets, re-enables a disabled one and reads each one's delivery log.
 */
public final class WebhookEndpointRoutes {

  /** Endpoints per account. */
  static final int MAX_PER_ACCOUNT = 20;
  private static final AccountLimit LIMIT =
      new AccountLimit("webhook_endpoints", WebhookSql.COUNT, MAX_PER_ACCOUNT, "too_many_endpoints", "webhook endpoints");
  static final int DESCRIPTION_MAX = 500;
  /** How long the old secret keeps signing after a rotation, so receivers can switch without a gap. */
  static final long ROTATION_OVERLAP_HOURS = 24;
  /** The type of the event "send test event" sends; not an {@code EventType}: nothing changed. */
  static final String TEST_TYPE = "webhook.test";

  private final Transactions tx;
  private final Vertx vertx;
  private final Pool pool;
  private final boolean allowPrivate;
  private final WebhookSender sender;

  public WebhookEndpointRoutes(Vertx vertx, Transactions tx, Config.Outgoing config) {
    this.vertx = vertx;
    this.tx = tx;
    this.pool = tx.pool();
    this.allowPrivate = config.allowPrivate();
    this.sender = new WebhookSender(vertx, vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setConnectTimeout(config.timeoutMs()).setForceSni(true)), config);
  }

  public void mount(Router api) {
    api.post("/webhook-endpoints").handler(this::create);
    api.get("/webhook-endpoints").handler(ctx -> {
      Principal p = Principal.of(ctx).requireAdmin();
      Reply.ok(ctx, pool.preparedQuery(WebhookSql.LIST).execute(Tuple.of(p.accountId())).map(rows -> {
        JsonArray items = new JsonArray();
        rows.forEach(r -> items.add(view(r)));
        return new JsonObject().put("items", items);
      }));
    });
    // the types an endpoint may ask for, so the settings screen offers exactly what the server checks
    api.get("/webhook-endpoints/event-types").handler(ctx -> {
      Principal.of(ctx).requireAdmin();
      JsonArray items = new JsonArray();
      Arrays.stream(EventType.values()).forEach(t -> items.add(t.wire()));
      Reply.ok(ctx, Future.succeededFuture(new JsonObject().put("items", items)));
    });
    api.get("/webhook-endpoints/:id").handler(ctx -> {
      Principal p = Principal.of(ctx).requireAdmin();
      Reply.ok(ctx, one(p.accountId(), id(ctx)));
    });
    api.patch("/webhook-endpoints/:id").handler(this::patch);
    api.delete("/webhook-endpoints/:id").handler(ctx -> {
      Principal p = Principal.of(ctx).requireAdmin();
      long id = id(ctx);
      Reply.noContent(ctx, tx.run(ev -> ev.conn().preparedQuery(WebhookSql.DELETE).execute(Tuple.of(id, p.accountId()))
          .compose(rows -> rows.size() == 0 ? Future.failedFuture(ApiException.notFound("webhook endpoint")) : changed(ev, p, id, true))));
    });
    api.post("/webhook-endpoints/:id/rotate-secret").handler(this::rotate);
    api.get("/webhook-endpoints/:id/deliveries").handler(this::deliveries);
    api.post("/webhook-endpoints/:id/test").handler(this::test);
    api.post("/webhook-endpoints/:id/deliveries/:delivery/resend").handler(this::resend);
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    URI url = UrlGuard.parse(Bodies.string(body, "url", true), allowPrivate);
    List<String> events = events(Bodies.array(body, "events", true));
    String description = Bodies.string(body, "description", false);
    String desc = description == null ? "" : Text.text(description, "description", DESCRIPTION_MAX);
    String secret = Signatures.newSecret();
    Reply.created(ctx, UrlGuard.resolve(vertx, url, allowPrivate)
        .compose(addr -> tx.run(ev -> LIMIT.room(ev.conn(), p.accountId())
            .compose(v -> ev.conn().preparedQuery(WebhookSql.INSERT).execute(Tuple.of(p.accountId(), url.toString(),
                events.toArray(new String[0]), desc, secret)))
            .compose(rows -> {
              JsonObject view = view(rows.iterator().next());
              return changed(ev, p, Long.parseLong(view.getString("id")), false).map(view);
            })))
        .map(view -> view.put("secret", secret)));
  }

  /**
   * {@code {"enabled": true}} puts a disabled endpoint back to work, from the newest event;
   * {@code {"enabled": false}} stops it (the events of while it is off are not sent later).
   */
  private void patch(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = id(ctx);
    Boolean enabled = Bodies.bool(Bodies.object(ctx), "enabled");
    if (enabled == null) {
      throw ApiException.badRequest("invalid_field", "only {\"enabled\": true|false} can be changed");
    }
    Tuple args = enabled ? Tuple.of(id, p.accountId()) : Tuple.of(id, p.accountId(), "disabled by " + p.name());
    Reply.ok(ctx, one(p.accountId(), id)
        .compose(v -> tx.run(ev -> ev.conn().preparedQuery(enabled ? WebhookSql.ENABLE : WebhookSql.DISABLE).execute(args)
            // enabling an enabled endpoint (or disabling a disabled one) changes nothing to tell
            .compose(x -> x.rowCount() == 0 ? Future.<Void>succeededFuture() : changed(ev, p, id, false))))
        .compose(v -> one(p.accountId(), id)));
  }

  /**
   * Sends a {@code webhook.test} event to the endpoint now, signed like every delivery and logged
   * (enabled or not: an admin checks a receiver before turning it on). Its id starts with
   * {@code test_}, so a receiver tells it from the account's events; it is never queued or retried.
   */
  private void test(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = id(ctx);
    Reply.ok(ctx, pool.preparedQuery(WebhookSql.SECRETS).execute(Tuple.of(id, p.accountId())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("webhook endpoint"));
      }
      Row e = rows.iterator().next();
      JsonObject payload = testPayload("test_" + java.util.UUID.randomUUID().toString().replace("-", ""), p.accountId(), id);
      return attempt(id, p.accountId(), e.getString("url"), e.getString("secret"), e.getString("previous_secret"), payload, 1);
    }));
  }

  static JsonObject testPayload(String eventId, long accountId, long endpointId) {
    return new JsonObject().put("id", eventId).put("type", TEST_TYPE).put("accountId", String.valueOf(accountId))
        .putNull("conversationId").put("createdAt", Times.iso(OffsetDateTime.now(ZoneOffset.UTC)))
        .put("data", new JsonObject().put("endpointId", String.valueOf(endpointId))
            .put("message", "A test event sent from Switchboard's settings; it describes no change."));
  }

  /** One logged attempt, answered as the delivery log shows it. */
  private Future<JsonObject> attempt(long id, long accountId, String url, String secret, String previous, JsonObject payload, int attempt) {
    return sender.deliver(url, secret, previous, payload)
        .compose(a -> WebhookSender.log(pool, id, accountId, payload, attempt, a)
            .map(v -> new JsonObject().put("eventId", payload.getString("id")).put("eventType", payload.getString("type"))
                .put("attempt", attempt).put("ok", a.ok())
                .put("statusCode", a.status() == 0 ? null : a.status()).put("error", a.error())
                .put("latencyMs", a.latencyMs()).put("response", a.response())));
  }

  private void rotate(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = id(ctx);
    String secret = Signatures.newSecret();
    OffsetDateTime until = OffsetDateTime.now(ZoneOffset.UTC).plusHours(ROTATION_OVERLAP_HOURS);
    Reply.ok(ctx, tx.run(ev -> ev.conn().preparedQuery(WebhookSql.ROTATE).execute(Tuple.of(id, p.accountId(), secret, until))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(ApiException.notFound("webhook endpoint")) : changed(ev, p, id, false)))
        .map(v -> new JsonObject().put("id", String.valueOf(id)).put("secret", secret).put("previousSecretValidUntil", Times.iso(until))));
  }

  /** Notes the change for every open Settings → Integrations page of the account, in its transaction. */
  private static Future<Void> changed(TxEvents ev, Principal p, long id, boolean deleted) {
    ev.add(Event.settingsChanged(p.accountId(), "integrations", id, deleted));
    return Future.succeededFuture();
  }

  private void deliveries(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = id(ctx);
    int limit = Bodies.limit(ctx);
    String before = ctx.queryParams().get("before");
    // a malformed cursor is the caller's mistake (400), as on every other list, not a missing delivery
    Long beforeId = before == null || before.isBlank() ? null : Ids.parseField(before.trim(), "before");
    Reply.ok(ctx, one(p.accountId(), id)
        .compose(v -> pool.preparedQuery(WebhookSql.DELIVERIES).execute(Tuple.of(id, p.accountId(), beforeId, limit)))
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) {
            items.add(new JsonObject()
                .put("id", String.valueOf(r.getLong("id")))
                .put("eventId", r.getString("event_id"))
                .put("eventType", r.getString("event_type"))
                .put("attempt", r.getInteger("attempt"))
                .put("ok", r.getBoolean("ok"))
                .put("statusCode", r.getInteger("status_code"))
                .put("error", r.getString("error"))
                .put("latencyMs", r.getInteger("latency_ms"))
                .put("response", r.getString("response"))
                .put("createdAt", Times.iso(r.getOffsetDateTime("created_at"))));
          }
          return new JsonObject().put("items", items)
              .put("nextCursor", items.size() == limit ? items.getJsonObject(items.size() - 1).getString("id") : null);
        }));
  }

  /**
   * Sends a logged event again, now, outside the endpoint's queue (its cursor does not move); the
   * attempt is logged like the others. 410 {@code event_gone} once the outbox no longer holds it.
   */
  private void resend(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = id(ctx);
    long delivery = Ids.parse(ctx.pathParam("delivery"), "delivery");
    Reply.ok(ctx, pool.preparedQuery(WebhookSql.FOR_RESEND).execute(Tuple.of(delivery, id, p.accountId()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ApiException.notFound("delivery"));
          }
          Row d = rows.iterator().next();
          int attempt = (int) (d.getLong("tried") + 1);
          String eventId = d.getString("event_id");
          if (eventId.startsWith("test_")) {
            return attempt(id, p.accountId(), d.getString("url"), d.getString("secret"), d.getString("previous_secret"),
                testPayload(eventId, p.accountId(), id), attempt);
          }
          long pos = Long.parseLong(eventId);
          return pool.preparedQuery(WebhookSql.EVENT).execute(Tuple.of(pos, p.accountId())).compose(events -> {
            if (events.size() == 0) {
              return Future.failedFuture(ApiException.gone("event_gone", "event " + pos + " is no longer kept; it cannot be sent again"));
            }
            Row ev = events.iterator().next();
            JsonObject payload = WebhookSender.payload(pos, ev.getString("body"), ev.getOffsetDateTime("created_at"));
            return attempt(id, p.accountId(), d.getString("url"), d.getString("secret"), d.getString("previous_secret"), payload, attempt);
          });
        }));
  }

  private Future<JsonObject> one(long accountId, long id) {
    return pool.preparedQuery(WebhookSql.GET).execute(Tuple.of(id, accountId)).compose(rows -> rows.size() == 0
        ? Future.failedFuture(ApiException.notFound("webhook endpoint"))
        : Future.succeededFuture(view(rows.iterator().next())));
  }

  private static long id(RoutingContext ctx) {
    return Ids.parse(ctx.pathParam("id"), "webhook endpoint");
  }

  /** {@code ["*"]}, or one or more event types, each once. */
  static List<String> events(JsonArray raw) {
    List<String> known = Arrays.stream(EventType.values()).map(EventType::wire).toList();
    if (raw.isEmpty() || raw.size() > known.size()) {
      throw ApiException.badRequest("invalid_field", "events must be [\"*\"] or a list of event types");
    }
    List<String> out = new ArrayList<>();
    for (Object v : raw) {
      if (!(v instanceof String t) || !(known.contains(t) || "*".equals(t)) || out.contains(t)) {
        throw ApiException.badRequest("invalid_field", "events must be [\"*\"] or event types among " + known + ", each once");
      }
      out.add(t);
    }
    if (out.contains("*") && out.size() > 1) {
      throw ApiException.badRequest("invalid_field", "events is either [\"*\"] or a list of types, not both");
    }
    return out;
  }

  private static JsonObject view(Row r) {
    boolean disabled = r.getOffsetDateTime("disabled_at") != null;
    boolean failing = r.getOffsetDateTime("failing_since") != null;
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("url", r.getString("url"))
        .put("events", new JsonArray(new ArrayList<>(List.of(r.getArrayOfStrings("events")))))
        .put("description", r.getString("description"))
        .put("status", disabled ? "disabled" : failing ? "failing" : "enabled")
        .put("disabledAt", Times.iso(r.getOffsetDateTime("disabled_at")))
        .put("disabledReason", r.getString("disabled_reason"))
        .put("failingSince", Times.iso(r.getOffsetDateTime("failing_since")))
        .put("failedAttempts", r.getInteger("attempts"))
        .put("nextAttemptAt", Times.iso(r.getOffsetDateTime("next_attempt_at")))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")));
  }
}
