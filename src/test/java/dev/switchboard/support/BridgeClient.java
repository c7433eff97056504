package dev.switchboard.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A browser's live connection, for tests: a client of the event-bus bridge, JSON frames in and
 * out as vertx-eventbus.js sends them, either over SockJS's raw WebSocket endpoint
 * ({@code /eventbus/websocket}) or, like a browser's SockJS client, over the SockJS WebSocket
 * transport ({@code /eventbus/000/<session>/websocket}, frames wrapped as {@code a["..."]}).
 * The one socket client of the tests.
 */
public final class BridgeClient implements AutoCloseable {

  public final WebSocketClient client;
  public final WebSocket ws;
  public final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  public volatile Short closeCode;
  public volatile boolean closed;

  public final boolean sockjs;
  public volatile Integer sockjsCloseCode;

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
  public static BridgeClient connectSockJS(Vertx vertx, int port) {
    String session = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return open(vertx, new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/000/" + session + "/websocket"), true);
  }

  public static BridgeClient connect(Vertx vertx, int port) {
    return connect(vertx, port, null);
  }

  public static BridgeClient connect(Vertx vertx, int port, String origin) {
    return connect(vertx, port, origin, null);
  }

  /** @param localAddress the client's own address (another loopback address is another client), or null */
  public static BridgeClient connect(Vertx vertx, int port, String origin, String localAddress) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket");
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return open(vertx, options, false, localAddress);
  }

  private static BridgeClient open(Vertx vertx, WebSocketConnectOptions options, boolean sockjs) {
    return open(vertx, options, sockjs, null);
  }

  private static BridgeClient open(Vertx vertx, WebSocketConnectOptions options, boolean sockjs, String localAddress) {
    WebSocketClientOptions clientOptions = new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20);
    if (localAddress != null) {
      clientOptions.setLocalAddress(localAddress);
    }
    WebSocketClient client = vertx.createWebSocketClient(clientOptions);
    // Handlers are installed in the completion callback, on the socket's event loop, so no frame slips by.
    return client.connect(options).map(ws -> new BridgeClient(client, ws, sockjs)).await();
  }

  /** Sends a register frame; the bridge answers only a refusal, see {@link #registered}. */
  public BridgeClient register(String address, String token) {
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("authorization", "Bearer " + token));
    }
    return write(frame);
  }

  /** Registers and waits until {@code node} really delivers to this client. */
  public BridgeClient registered(TestNode node, String address, String token) {
    register(address, token);
    awaitRegistered(node, address);
    return this;
  }

  /**
   * Waits until the registration is in place on that node: a register frame is answered only on
   * refusal, so probes are published on the node's bus until one comes through. The probes are
   * then dropped from {@link #frames}.
   */
  public BridgeClient awaitRegistered(TestNode node, String address) {
    String marker = "probe-" + UUID.randomUUID();
    Await.until("registered for " + address + " (frames " + frames + ")", Duration.ofSeconds(10), () -> {
      node.vertx.eventBus().publish(address, new JsonObject().put("probe", marker));
      return frames.stream().anyMatch(f -> "rec".equals(f.getString("type"))
          && f.getValue("body") instanceof JsonObject b && marker.equals(b.getString("probe")));
    });
    frames.removeIf(BridgeClient::isProbe);
    return this;
  }

  public BridgeClient write(JsonObject frame) {
    ws.writeTextMessage(sockjs ? new JsonArray().add(frame.encode()).encode() : frame.encode()).await();
    return this;
  }

  /** The first frame matching, waiting up to the timeout. */
  public JsonObject await(Predicate<JsonObject> match, Duration timeout) {
    return Await.value("a matching frame (got " + frames + ")", timeout,
        () -> frames.stream().filter(match).findFirst().orElse(null));
  }

  /** The pushed event (the body of a "rec" frame) with this id. */
  public JsonObject awaitEvent(String id) {
    return await(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b
        && id.equals(b.getString("id")), Duration.ofSeconds(10)).getJsonObject("body");
  }

  public JsonObject awaitError() {
    return await(f -> "err".equals(f.getString("type")), Duration.ofSeconds(10));
  }

  /** The "rec" frames of the log's events: probes and ephemeral events (no id) left out. */
  public List<JsonObject> received() {
    return frames.stream().filter(f -> "rec".equals(f.getString("type")) && !isProbe(f) && !isEphemeral(f)).toList();
  }

  /** Pushed events that are never stored (presence, viewing, typing: no id), apart from {@link #received()}. */
  public List<JsonObject> ephemeral(String type) {
    return frames.stream().filter(f -> "rec".equals(f.getString("type")) && isEphemeral(f))
        .map(f -> f.getJsonObject("body")).filter(b -> type == null || type.equals(b.getString("type"))).toList();
  }

  private static boolean isEphemeral(JsonObject frame) {
    return frame.getValue("body") instanceof JsonObject b && !b.containsKey("id") && !b.containsKey("probe") && b.containsKey("type");
  }

  /** The pushed events: the bodies of {@link #received()}. */
  public List<JsonObject> events() {
    return received().stream().map(f -> f.getJsonObject("body")).toList();
  }

  public List<JsonObject> events(String type) {
    return events().stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  public void awaitClosed(Duration timeout) {
    Await.until("the server closing the socket", timeout, () -> closed);
  }

  private static boolean isProbe(JsonObject frame) {
    return frame.getValue("body") instanceof JsonObject b && b.containsKey("probe");
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
