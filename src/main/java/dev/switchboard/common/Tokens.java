package dev.switchboard.common;

import dev.switchboard.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/** Issues and verifies agents' HS256 JWTs (vertx-auth-jwt). */
public final class Tokens {

  /** Access tokens are short-lived: a session lives on through its refresh token (Sessions). */
  public static final int TTL_SECONDS = Settings.defaultInteger("ACCESS_TOKEN_SECONDS");
  private final JWTAuth jwt;

  public Tokens(Vertx vertx, String secret) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  public JWTAuth provider() {
    return jwt;
  }

  public String issue(long userId, long accountId, String role, String name) {
    return issue(userId, accountId, role, name, TTL_SECONDS);
  }

  public String issue(long userId, long accountId, String role, String name, int ttlSeconds) {
    return issue(userId, accountId, role, name, null, 0, ttlSeconds);
  }

  /**
   * @param sessionId the sign-in this token belongs to (logout revokes it), or null for tokens the
   *                  node makes for itself
   * @param version   the user's token_version when issued: a later bump ends the token
   */
  public String issue(long userId, long accountId, String role, String name, String sessionId, int version, int ttlSeconds) {
    if (ttlSeconds <= 0) {
      // vertx-auth-jwt reads a non-positive lifetime as "never expires": refuse it
      throw new IllegalArgumentException("a token lifetime must be positive, got " + ttlSeconds);
    }
    JsonObject claims = new JsonObject()
        .put("sub", String.valueOf(userId))
        .put("acc", String.valueOf(accountId))
        .put("role", role)
        .put("name", name)
        .put("ver", version);
    if (sessionId != null) {
      claims.put("sid", sessionId);
    }
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(ttlSeconds));
  }

  /** Verifies a raw token (signature and expiry), for the bridge's register frames. */
  public Future<Principal> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(Principal::of);
  }
}
