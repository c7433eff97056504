package dev.switchboard.common;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The caller of an API request, taken from a verified JWT or an API key. Every query is scoped by
 * {@link #accountId()}. A key's caller has no user ({@code userId} 0, which no user row has), the
 * role {@code api}, its key's id and scopes; it acts as its own {@link #actor()}.
 */
public record Principal(long userId, long accountId, String role, String name, String sessionId, int version,
                        long expiresAt, long apiKeyId, List<String> scopes) {

  /** Where an API key's caller is kept on the request (a JWT caller is the request's user). */
  public static final String API_KEY_CALLER = "switchboard.apiKeyCaller";

  /** A person's token: no key, every scope their role allows. */
  public Principal(long userId, long accountId, String role, String name, String sessionId, int version, long expiresAt) {
    this(userId, accountId, role, name, sessionId, version, expiresAt, 0, List.of());
  }

  /** The caller of an API key: {@code name} is what history shows ("API: <key name>"). */
  public static Principal ofApiKey(long keyId, long accountId, String keyName, List<String> scopes) {
    return new Principal(0, accountId, "api", "API: " + keyName, null, 0, Long.MAX_VALUE, keyId, List.copyOf(scopes));
  }

  public boolean isApiKey() {
    return apiKeyId > 0;
  }

  /** Who history and messages name for this caller's changes. */
  public Actor actor() {
    return isApiKey() ? new Actor(Actor.API, apiKeyId) : new Actor(Actor.AGENT, userId);
  }

  public boolean isAdmin() {
    return "admin".equals(role);
  }

  public static Principal of(RoutingContext ctx) {
    if (ctx.get(API_KEY_CALLER) instanceof Principal key) {
      return key;
    }
    User user = ctx.user();
    if (user == null) {
      throw ApiException.unauthorized("a bearer token is required");
    }
    return of(user);
  }

  /** From a user vertx-auth-jwt verified: the claims are its principal, the expiry its attributes. */
  public static Principal of(User user) {
    Principal p = fromClaims(user.principal());
    Object exp = user.attributes().getValue("exp");
    return exp instanceof Number n ? p.withExpiry(n.longValue()) : p;
  }

  private Principal withExpiry(long epochSeconds) {
    return new Principal(userId, accountId, role, name, sessionId, version, epochSeconds, apiKeyId, scopes);
  }

  public static Principal fromClaims(JsonObject claims) {
    try {
      return new Principal(
          Long.parseLong(claims.getString("sub")),
          Long.parseLong(claims.getString("acc")),
          claims.getString("role"),
          claims.getString("name"),
          claims.getValue("sid") instanceof String sid ? sid : null,
          claims.getValue("ver") instanceof Number v ? v.intValue() : 0,
          claims.getValue("exp") instanceof Number exp ? exp.longValue() : Long.MAX_VALUE);
    } catch (RuntimeException e) {
      throw ApiException.unauthorized("the token is not a Switchboard token");
    }
  }

  /** Fails with 403 unless the caller is an admin. */
  public Principal requireAdmin() {
    if (!isAdmin()) {
      throw ApiException.forbidden("only an admin may do this");
    }
    return this;
  }
}
