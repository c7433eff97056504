package dev.switchboard.common;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;

/** The caller of an API request, taken from a verified JWT. Every query is scoped by {@link #accountId()}. */
public record Principal(long userId, long accountId, String role, String name, String sessionId, int version,
                        long expiresAt) {

  public boolean isAdmin() {
    return "admin".equals(role);
  }

  public static Principal of(RoutingContext ctx) {
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
    return new Principal(userId, accountId, role, name, sessionId, version, epochSeconds);
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
