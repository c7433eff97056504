package dev.switchboard.inbox.live;

import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/** Helpers shared by the live-push tests. */
final class LiveSupport {

  private LiveSupport() {
  }

  /** A correctly signed token whose {@code exp} passed a minute ago. */
  static String expiredToken(Vertx vertx, long userId, long accountId) {
    long now = System.currentTimeMillis() / 1000;
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestNode.JWT_SECRET)));
    return jwt.generateToken(new JsonObject().put("sub", String.valueOf(userId)).put("acc", String.valueOf(accountId))
        .put("role", "agent").put("name", "Old").put("iat", now - 3600).put("exp", now - 60),
        new JWTOptions().setAlgorithm("HS256"));
  }

  static String token(TestNode node, long userId, long accountId) {
    return node.node.services().tokens().issue(userId, accountId, "agent", "Agent " + userId);
  }
}
