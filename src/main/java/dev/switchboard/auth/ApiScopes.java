package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Principal;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which routes an API key may call, and the scope each needs. {@code read}: the lists and views;
 * {@code write}: statuses, assignment, contacts, labels and fields; {@code send}: replies, notes,
 * templates. Every other route (sign-in, people, channels, flows, saved-reply edits, keys
 * themselves, an agent's read marks) is for people only: a key gets 403 {@code insufficient_scope}.
 */
public final class ApiScopes {

  private record Rule(HttpMethod method, Pattern path, String scope) {
  }

  private static final String ID = "[^/]+";

  private static final List<Rule> RULES = List.of(
      rule(HttpMethod.GET, "/conversations", "read"),
      rule(HttpMethod.GET, "/conversations/" + ID, "read"),
      rule(HttpMethod.GET, "/conversations/" + ID + "/(history|messages)", "read"),
      rule(HttpMethod.POST, "/conversations/export", "read"),
      rule(HttpMethod.GET, "/contacts/" + ID, "read"),
      rule(HttpMethod.GET, "/(fields|labels|search|events|channels|teams|agents|saved-replies)", "read"),
      rule(HttpMethod.GET, "/(channels|teams|saved-replies)/" + ID, "read"),
      rule(HttpMethod.GET, "/channels/" + ID + "/templates", "read"),
      rule(HttpMethod.PATCH, "/conversations/" + ID, "write"),
      rule(HttpMethod.POST, "/conversations/bulk", "write"),
      rule(HttpMethod.POST, "/conversations/" + ID + "/snooze", "write"),
      rule(HttpMethod.DELETE, "/conversations/" + ID + "/snooze", "write"),
      rule(HttpMethod.POST, "/contacts", "write"),
      rule(HttpMethod.PATCH, "/contacts/" + ID, "write"),
      rule(HttpMethod.POST, "/contacts/" + ID + "/(refresh-name|labels)", "write"),
      rule(HttpMethod.PUT, "/contacts/" + ID + "/fields/" + ID, "write"),
      rule(HttpMethod.DELETE, "/contacts/" + ID + "/(fields|labels)/" + ID, "write"),
      rule(HttpMethod.POST, "/conversations/" + ID + "/(messages|template|request-phone)", "send"));

  private ApiScopes() {
  }

  private static Rule rule(HttpMethod method, String path, String scope) {
    return new Rule(method, Pattern.compile(path), scope);
  }

  /** The scope a key needs for a route of the API (path below {@code /api/v1}), or null: keys may not call it. */
  public static String required(HttpMethod method, String path) {
    // /conversations/bulk and /conversations/export are not conversation ids: the first rule that matches wins
    for (Rule r : RULES) {
      if (r.method().equals(method) && r.path().matcher(path).matches()) {
        return r.scope();
      }
    }
    return null;
  }

  /** The handler after authentication: a key calls only routes within its scopes. */
  public static void check(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    if (!p.isApiKey()) {
      ctx.next();
      return;
    }
    String mount = ctx.mountPoint() == null ? "" : ctx.mountPoint();
    if (mount.endsWith("/")) {
      mount = mount.substring(0, mount.length() - 1);
    }
    String full = ctx.normalizedPath();
    String path = full.startsWith(mount) ? full.substring(mount.length()) : full;
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String scope = required(ctx.request().method(), path);
    if (scope == null) {
      ctx.fail(new ApiException(403, "insufficient_scope", "API keys cannot call " + ctx.request().method() + " " + path));
    } else if (!p.scopes().contains(scope)) {
      ctx.fail(new ApiException(403, "insufficient_scope", "this API key lacks the " + scope + " scope"));
    } else {
      ctx.next();
    }
  }
}
