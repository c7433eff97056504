package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Text;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/** {@code /api-keys}: an admin makes, lists and revokes the account's API keys. */
public final class ApiKeyRoutes {

  private final ApiKeys keys;

  public ApiKeyRoutes(ApiKeys keys) {
    this.keys = keys;
  }

  public void mount(Router api) {
    api.post("/api-keys").handler(this::create);
    // anyone of the account: the inbox names a key's messages "API: <name>"
    api.get("/api-keys/names").handler(ctx -> Reply.ok(ctx, keys.names(Principal.of(ctx).accountId())));
    api.get("/api-keys").handler(ctx -> Reply.ok(ctx, keys.list(Principal.of(ctx).requireAdmin().accountId())));
    api.delete("/api-keys/:id").handler(ctx -> {
      Principal p = Principal.of(ctx).requireAdmin();
      Reply.noContent(ctx, keys.revoke(p.accountId(), Ids.parse(ctx.pathParam("id"), "API key")));
    });
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String name = Text.name(Bodies.string(body, "name", true), "name", ApiKeys.NAME_MAX);
    Reply.created(ctx, keys.create(p, name, scopes(Bodies.array(body, "scopes", true))));
  }

  /** One or more of read, write, send; each once. */
  static List<String> scopes(JsonArray raw) {
    if (raw.isEmpty() || raw.size() > ApiKeys.SCOPES.size()) {
      throw ApiException.badRequest("invalid_field", "scopes must name one or more of " + ApiKeys.SCOPES);
    }
    List<String> scopes = new ArrayList<>();
    for (Object v : raw) {
      if (!(v instanceof String s) || !ApiKeys.SCOPES.contains(s) || scopes.contains(s)) {
        throw ApiException.badRequest("invalid_field", "scopes must name one or more of " + ApiKeys.SCOPES + ", each once");
      }
      scopes.add(s);
    }
    return scopes;
  }
}
