package dev.switchboard.inbox;

import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Services;
import dev.switchboard.common.Text;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.ConversationFilter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** {@code POST /channels} (admin), {@code GET /channels}, {@code GET /channels/{id}}. The access token never leaves. */
public final class ChannelRoutes {

  private final Services s;

  public ChannelRoutes(Services s) {
    this.s = s;
  }

  public void mount(Router api) {
    api.post("/channels").handler(this::create);
    api.get("/channels").handler(this::list);
    api.get("/channels/:id").handler(this::get);
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String platform = Bodies.string(body, "platform", true).trim().toLowerCase();
    String name = Text.name(Bodies.string(body, "name", true), "name", Text.NAME_MAX);
    String externalId = metaId(Bodies.string(body, "externalId", true), "externalId");
    String token = Bodies.string(body, "accessToken", true).trim();
    String wabaId = Bodies.string(body, "wabaId", false);
    wabaId = wabaId == null || wabaId.isBlank() ? null : metaId(wabaId, "wabaId");
    if (token.length() > 4096 || !token.chars().allMatch(c -> c > ' ' && c < 127)) {
      throw ApiException.unprocessable("invalid_token", "accessToken must be a Graph API token (printable ASCII, at most 4096)");
    }
    if (!ConversationFilter.PLATFORMS.contains(platform)) {
      throw ApiException.unprocessable("invalid_platform", "platform must be one of whatsapp, messenger, instagram");
    }
    Reply.created(ctx, s.pool().preparedQuery(AdminSql.INSERT_CHANNEL)
        .execute(Tuple.of(p.accountId(), platform, name, externalId, token, wabaId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw ApiException.conflict("channel_exists", "a " + platform + " channel with externalId " + externalId + " is already connected");
          }
          return view(rows.iterator().next());
        }));
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
    Reply.ok(ctx, s.pool().preparedQuery(AdminSql.CHANNELS).execute(Tuple.of(p.accountId())).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(view(r)));
      return new JsonObject().put("items", items);
    }));
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "channel");
    Reply.ok(ctx, s.pool().preparedQuery(AdminSql.CHANNEL).execute(Tuple.of(id, p.accountId())).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("channel");
      }
      return view(rows.iterator().next());
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
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")));
  }
}
