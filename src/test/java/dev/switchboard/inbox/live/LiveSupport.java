package dev.switchboard.inbox.live;

import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.UUID;

/** Helpers shared by the live-push tests. */
final class LiveSupport {

  private LiveSupport() {
  }

  /**
   * Waits until the client's registration is in place on that node: a register frame is answered
   * only on refusal, so probes are published on the node's bus until one comes through.
   */
  static void awaitRegistered(BridgeClient client, TestNode node, String address) {
    String marker = "probe-" + UUID.randomUUID();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      node.vertx.eventBus().publish(address, new JsonObject().put("probe", marker));
      for (JsonObject f : client.frames) {
        if ("rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b && marker.equals(b.getString("probe"))) {
          client.frames.removeIf(x -> x.getValue("body") instanceof JsonObject xb && xb.containsKey("probe"));
          return;
        }
      }
      BridgeClient.pause(20);
    }
    throw new AssertionError("the client never became registered for " + address + "; frames: " + client.frames);
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
