package dev.switchboard.inbox;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.channel.ChannelOwnership;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Text;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.ConversationFilter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * {@code POST /channels} and {@code PATCH /channels/{id}} (admin), {@code GET /channels},
 * {@code GET /channels/{id}}. A channel is stored only once the Graph API confirms that its
 * access token owns the id and Meta has subscribed the app to its webhooks ({@link ChannelOwnership}).
 * The access token never leaves; admins see where Meta must send the webhooks.
 */
public final class ChannelRoutes {

  private final Transactions tx;
  private final ChannelOwnership ownership;
  private final ChannelConnection connection;
  private final String publicUrl;
  private final String verifyToken;

  public ChannelRoutes(Transactions tx, GraphClient graph, String publicUrl, String verifyToken) {
    this.tx = tx;
    this.ownership = new ChannelOwnership(graph);
    this.connection = new ChannelConnection(tx, ownership, ChannelRoutes::view);
    this.publicUrl = publicUrl;
    this.verifyToken = verifyToken;
  }

  public void mount(Router api) {
    api.post("/channels").handler(this::create);
    api.patch("/channels/:id").handler(this::update);
    api.get("/channels").handler(this::list);
    api.get("/channels/:id").handler(this::get);
    connection.mount(api);
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String platform = Bodies.string(body, "platform", true).trim().toLowerCase();
    String name = Text.name(Bodies.string(body, "name", true), "name", Text.NAME_MAX);
    String externalId = metaId(Bodies.string(body, "externalId", true), "externalId");
    String token = accessToken(Bodies.string(body, "accessToken", true));
    String wabaId = Bodies.string(body, "wabaId", false);
    wabaId = wabaId == null || wabaId.isBlank() ? null : metaId(wabaId, "wabaId");
    if (!ConversationFilter.PLATFORMS.contains(platform)) {
      throw ApiException.unprocessable("invalid_platform", "platform must be one of whatsapp, messenger, instagram");
    }
    if ("whatsapp".equals(platform) && wabaId == null) {
      throw ApiException.unprocessable("invalid_waba_id", "a WhatsApp channel needs wabaId: the WhatsApp Business Account that holds the number");
    }
    String waba = "messenger".equals(platform) || "instagram".equals(platform) ? null : wabaId;
    // One's own duplicate is said plainly; whether another account holds the id is never said.
    Reply.created(ctx, tx.pool().preparedQuery(AdminSql.CHANNEL_OF_ACCOUNT).execute(Tuple.of(p.accountId(), platform, externalId))
        .compose(mine -> {
          if (mine.size() > 0) {
            return Future.failedFuture(ApiException.conflict("channel_exists",
                "this account already has the " + platform + " channel " + externalId));
          }
          return ownership.connect(platform, externalId, waba, token);
        })
        .compose(proof -> tx.pool().preparedQuery(AdminSql.INSERT_CHANNEL)
            .execute(Tuple.of(p.accountId(), platform, name, externalId, token, waba))
            .compose(rows -> {
              if (rows.size() == 0) {
                // only someone whose token Meta has just confirmed gets this far: the same code as any unowned id
                return Future.failedFuture(ChannelOwnership.notOwned("the id is already connected elsewhere"));
              }
              return Future.succeededFuture(withWebhook(view(rows.iterator().next()), platform, subscription(proof), p));
            })));
  }

  // A new name needs no proof; a new access token is proven and subscribed like a new channel's,
  // then replaces the old one and clears needsAttention.
  private void update(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "channel");
    JsonObject body = Bodies.object(ctx);
    String rawName = Bodies.string(body, "name", false);
    String name = rawName == null ? null : Text.name(rawName, "name", Text.NAME_MAX);
    String rawToken = Bodies.string(body, "accessToken", false);
    String token = rawToken == null ? null : accessToken(rawToken);
    Reply.ok(ctx, tx.pool().preparedQuery(AdminSql.CHANNEL).execute(Tuple.of(id, p.accountId())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("channel"));
      }
      Row current = rows.iterator().next();
      Future<ChannelOwnership.Proof> proven = token == null ? Future.succeededFuture()
          : ownership.connect(current.getString("platform"), current.getString("external_id"), current.getString("waba_id"), token);
      return proven.compose(proof -> tx.pool().preparedQuery(AdminSql.UPDATE_CHANNEL).execute(Tuple.of(id, p.accountId(), name, token))
          .compose(updated -> {
            if (updated.size() == 0) {
              return Future.failedFuture(ApiException.notFound("channel"));
            }
            Row row = updated.iterator().next();
            return Future.succeededFuture(withWebhook(view(row), row.getString("platform"), proof == null ? null : subscription(proof), p));
          }));
    }));
  }

  private static String subscription(ChannelOwnership.Proof proof) {
    return proof.subscribeError() == null ? "subscribed" : proof.subscribeError();
  }

  /**
   * What to paste into the Meta app's webhook settings: the callback URL and the verify token
   * (admins only). {@code subscription} is "subscribed", Meta's reason it was not, or null (not tried now).
   */
  private JsonObject withWebhook(JsonObject view, String platform, String subscription, Principal p) {
    if (!p.isAdmin()) {
      return view;
    }
    String publicUrl = this.publicUrl;
    String path = "/webhooks/" + platform;
    JsonObject webhook = new JsonObject()
        .put("path", path)
        .put("url", publicUrl == null || publicUrl.isBlank() ? null : publicUrl.trim().replaceAll("/+$", "") + path)
        .put("verifyToken", verifyToken);
    if (subscription != null) {
      webhook.put("subscribed", "subscribed".equals(subscription));
      if (!"subscribed".equals(subscription)) {
        webhook.put("subscribeError", subscription);
      }
    }
    return view.put("webhook", webhook);
  }

  static String accessToken(String raw) {
    String token = raw.trim();
    if (token.isEmpty() || token.length() > 4096 || !token.chars().allMatch(c -> c > ' ' && c < 127)) {
      throw ApiException.unprocessable("invalid_token", "accessToken must be a Graph API token (printable ASCII, at most 4096)");
    }
    return token;
  }

  /** Meta's phone-number, page, Instagram and WABA ids are decimal numbers. */
  private static String metaId(String raw, String field) {
    String id = raw.trim();
    if (!id.matches("[0-9]{1,32}")) {
      throw ApiException.unprocessable("invalid_external_id", field + " must be Meta's numeric id (1 to 32 digits)");
    }
    return id;
  }

  private void list(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, tx.pool().preparedQuery(AdminSql.CHANNELS).execute(Tuple.of(p.accountId())).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(withWebhook(view(r), r.getString("platform"), null, p)));
      return new JsonObject().put("items", items);
    }));
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "channel");
    Reply.ok(ctx, tx.pool().preparedQuery(AdminSql.CHANNEL).execute(Tuple.of(id, p.accountId())).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("channel");
      }
      Row r = rows.iterator().next();
      return withWebhook(view(r), r.getString("platform"), null, p);
    }));
  }

  static JsonObject view(Row r) {
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("platform", r.getString("platform"))
        .put("name", r.getString("name"))
        .put("externalId", r.getString("external_id"))
        .put("wabaId", r.getString("waba_id"))
        .put("needsAttention", r.getString("needs_attention"))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        // when the processor last stored a delivery for it, to the minute; null before the first
        .put("lastWebhookAt", Times.iso(r.getOffsetDateTime("last_webhook_at")))
        // set while disconnected: history kept, nothing sent, webhooks held until it is connected again
        .put("disconnectedAt", Times.iso(r.getOffsetDateTime("disconnected_at")));
  }
}
