package dev.switchboard.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** A small synchronous HTTP client for tests (blocks the test thread, never an event loop). */
public final class Http implements AutoCloseable {

  private final WebClient client;
  private final String base;
  private String token;

  public Http(Vertx vertx, String base) {
    this.client = WebClient.create(vertx, new WebClientOptions().setMaxHeaderSize(64 * 1024));
    this.base = base;
  }

  /** A copy that sends {@code Authorization: Bearer token}. */
  public Http as(String bearer) {
    Http h = new Http(client, base);
    h.token = bearer;
    return h;
  }

  private Http(WebClient client, String base) {
    this.client = client;
    this.base = base;
  }

  public Res get(String path) {
    return send(HttpMethod.GET, path, null, null);
  }

  public Res delete(String path) {
    return send(HttpMethod.DELETE, path, null, null);
  }

  public Res post(String path, Object json) {
    return send(HttpMethod.POST, path, json, null);
  }

  public Res put(String path, Object json) {
    return send(HttpMethod.PUT, path, json, null);
  }

  public Res patch(String path, Object json) {
    return send(HttpMethod.PATCH, path, json, null);
  }

  public Res send(HttpMethod method, String path, Object json, java.util.Map<String, String> headers) {
    HttpRequest<Buffer> req = client.requestAbs(method, base + path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    if (headers != null) {
      headers.forEach(req::putHeader);
    }
    HttpResponse<Buffer> r;
    if (json == null) {
      r = req.send().await();
    } else {
      Buffer body = json instanceof Buffer b ? b : Buffer.buffer(json instanceof String s ? s : json.toString());
      req.putHeader("Content-Type", "application/json");
      r = req.sendBuffer(body).await();
    }
    return new Res(r.statusCode(), r.bodyAsBuffer() == null ? Buffer.buffer() : r.bodyAsBuffer(), r);
  }

  /** Signs in through {@code POST /api/v1/auth/login}; answers the token (an AssertionError when refused). */
  public String login(String email, String password) {
    Res r = post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
    if (r.status() != 200) {
      throw new AssertionError("login of " + email + " answered " + r.status() + ": " + r.text());
    }
    return r.json().getString("token");
  }

  /** {@code GET /metrics} with the test nodes' METRICS_TOKEN. */
  public Res metrics() {
    return send(HttpMethod.GET, "/metrics", null, java.util.Map.of("Authorization", "Bearer " + TestNode.METRICS_TOKEN));
  }

  /** POSTs a webhook body with the given signature header (null: no header). */
  public Res webhook(String platform, byte[] body, String signature) {
    HttpRequest<Buffer> req = client.postAbs(base + "/webhooks/" + platform).putHeader("Content-Type", "application/json");
    if (signature != null) {
      req.putHeader("X-Hub-Signature-256", signature);
    }
    HttpResponse<Buffer> r = req.sendBuffer(Buffer.buffer(body)).await();
    return new Res(r.statusCode(), r.bodyAsBuffer() == null ? Buffer.buffer() : r.bodyAsBuffer(), r);
  }

  /** POSTs a webhook body signed with the test app secret. */
  public Res signedWebhook(String platform, byte[] body) {
    return webhook(platform, body, Fixtures.sign(body));
  }

  @Override
  public void close() {
    client.close();
  }

  /** A response. */
  public record Res(int status, Buffer body, HttpResponse<Buffer> raw) {
    public JsonObject json() {
      return body.length() == 0 ? null : new JsonObject(body);
    }

    public JsonArray items() {
      return json().getJsonArray("items");
    }

    public String text() {
      return body.toString();
    }

    public String errorCode() {
      JsonObject j = json();
      return j == null || j.getJsonObject("error") == null ? null : j.getJsonObject("error").getString("code");
    }

    public String header(String name) {
      return raw.getHeader(name);
    }
  }
}
