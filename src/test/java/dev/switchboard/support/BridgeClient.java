package dev.switchboard.inbox.live;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A test client of the event-bus bridge: JSON frames in, JSON frames out, as vertx-eventbus.js
 * sends them, either over SockJS's raw WebSocket endpoint ({@code /eventbus/websocket}) or, like
 * a browser's SockJS client, over the SockJS WebSocket transport ({@code /eventbus/000/<session>/websocket},
 * frames wrapped as {@code a["..."]}).
 */
final class BridgeClient implements AutoCloseable {

  final WebSocketClient client;
  final WebSocket ws;
  final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  volatile Short closeCode;
  volatile boolean closed;

  final boolean sockjs;
  volatile Integer sockjsCloseCode;

  private BridgeClient(WebSocketClient client, WebSocket ws, boolean sockjs) {
    this.client = client;
    this.ws = ws;
    this.sockjs = sockjs;
    if (sockjs) {
      ws.handler(buf -> onSockJS(buf.toString()));
    } else {
      // The raw transport writes each frame as a binary WebSocket message.
      ws.handler(buf -> frames.add(new JsonObject(buf)));
    }
    ws.closeHandler(v -> {
      closeCode = ws.closeStatusCode();
      closed = true;
    });
  }

  // SockJS framing: o (open), h (heartbeat), a[...] (messages), c[code,"reason"] (close).
  private void onSockJS(String text) {
    if (text.startsWith("a")) {
      for (Object m : new JsonArray(text.substring(1))) {
        frames.add(new JsonObject((String) m));
      }
    } else if (text.startsWith("c")) {
      sockjsCloseCode = new JsonArray(text.substring(1)).getInteger(0);
    }
  }

  /** A client speaking the SockJS WebSocket transport, as the browser's SockJS client does. */
  static BridgeClient connectSockJS(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20));
    String session = java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    // Handlers are installed in the completion callback, on the socket's event loop, so no frame slips by.
    return client.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/000/" + session + "/websocket"))
        .map(ws -> new BridgeClient(client, ws, true)).await();
  }

  static BridgeClient connect(Vertx vertx, int port) {
    return connect(vertx, port, null);
  }

  static BridgeClient connect(Vertx vertx, int port, String origin) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket");
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return client.connect(options).map(ws -> new BridgeClient(client, ws, false)).await();
  }

  BridgeClient register(String address, String token) {
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("authorization", "Bearer " + token));
    }
    return write(frame);
  }

  BridgeClient write(JsonObject frame) {
    ws.writeTextMessage(sockjs ? new JsonArray().add(frame.encode()).encode() : frame.encode()).await();
    return this;
  }

  /** The first frame matching, waiting up to the timeout. */
  JsonObject await(Predicate<JsonObject> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonObject f : frames) {
        if (match.test(f)) {
          return f;
        }
      }
      pause(5);
    }
    throw new AssertionError(new TimeoutException("no matching frame within " + timeout + "; got " + frames));
  }

  /** The pushed event (the body of a "rec" frame) with this id. */
  JsonObject awaitEvent(String id) {
    return await(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b
        && id.equals(b.getString("id")), Duration.ofSeconds(10)).getJsonObject("body");
  }

  JsonObject awaitError() {
    return await(f -> "err".equals(f.getString("type")), Duration.ofSeconds(10));
  }

  List<JsonObject> received() {
    return frames.stream().filter(f -> "rec".equals(f.getString("type"))
        && !(f.getValue("body") instanceof JsonObject b && b.containsKey("probe"))).toList();
  }

  void awaitClosed(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!closed) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the server did not close the socket within " + timeout);
      }
      pause(5);
    }
  }

  static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
