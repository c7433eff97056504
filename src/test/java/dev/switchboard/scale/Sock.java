package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** A browser's live connection: the bridge's raw WebSocket endpoint, JSON frames as vertx-eventbus.js sends them. */
final class Sock implements AutoCloseable {

  final WebSocketClient client;
  final WebSocket ws;
  final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  volatile boolean closed;

  private Sock(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.handler(buf -> frames.add(new JsonObject(buf)));
    ws.closeHandler(v -> closed = true);
  }

  static Sock connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 << 20));
    WebSocket ws = client.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket")).await();
    return new Sock(client, ws);
  }

  /** Registers for the account's address and waits until the node really delivers to it (probes on its bus). */
  Sock register(TestNode node, String address, String token) {
    ws.writeTextMessage(new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token)).encode()).await();
    String marker = "probe-" + UUID.randomUUID();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      node.vertx.eventBus().publish(address, new JsonObject().put("probe", marker));
      if (frames.stream().anyMatch(f -> f.getValue("body") instanceof JsonObject b && marker.equals(b.getString("probe")))) {
        frames.removeIf(f -> f.getValue("body") instanceof JsonObject b && b.containsKey("probe"));
        return this;
      }
      Await.pause(20);
    }
    throw new AssertionError("never registered for " + address + "; frames " + frames);
  }

  /** The pushed events (bodies of "rec" frames), probes left out. */
  List<JsonObject> events() {
    return frames.stream()
        .filter(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b && !b.containsKey("probe"))
        .map(f -> f.getJsonObject("body")).toList();
  }

  List<JsonObject> events(String type) {
    return events().stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  @Override
  public void close() {
    try {
      if (!closed) {
        ws.close().await();
      }
    } catch (RuntimeException ignored) {
      // already gone
    } finally {
      client.close();
    }
  }
}
