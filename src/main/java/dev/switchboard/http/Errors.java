package dev.switchboard.http;

import dev.switchboard.common.ApiException;
import dev.switchboard.store.Unavailable;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns failures into a status and {@code {"error": {"code", "message"}}}. */
public final class Errors {

  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  /** The most of a refused request's body that is read (and dropped) to keep its connection. */
  private static final long DRAIN_MAX = 4L * 1024 * 1024;

  private Errors() {
  }

  public static void handle(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    Throwable f = ctx.failure();
    int status = ctx.statusCode();
    String code;
    String message;
    if (f instanceof ApiException e) {
      status = e.status();
      code = e.code();
      message = e.getMessage();
      if (e.retryAfterSeconds() >= 0) {
        ctx.response().putHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
      }
    } else if (f instanceof HttpException e) {
      status = e.getStatusCode();
      code = codeFor(status);
      message = e.getPayload() != null ? e.getPayload() : messageFor(status);
    } else if (f instanceof DecodeException) {
      status = 400;
      code = "invalid_json";
      message = "the body is not valid JSON";
    } else if (f instanceof PgException pg && "40001".equals(pg.getSqlState())) {
      status = 409;
      code = "conflict";
      message = "a concurrent change won; retry";
    } else if (f == null && status > 0) {
      code = codeFor(status);
      message = messageFor(status);
    } else if (Unavailable.is(f)) {
      status = 503;
      code = "unavailable";
      message = "a dependency is unavailable; retry shortly";
      ctx.response().putHeader("Retry-After", "5");
    } else {
      status = 500;
      code = "internal";
      message = "internal error";
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), f);
    }
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    drainUnread(ctx.request());
    JsonObject body = body(code, message);
    if (f instanceof ApiException e && e.details() != null) {
      body.getJsonObject("error").mergeIn(e.details());
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  /**
   * A request refused before its body was read (no token, a revoked session, a body over the
   * limit) still has that body on the connection, paused: it is read and dropped so the next
   * request on the connection is served, and past {@link #DRAIN_MAX} the connection is closed.
   */
  private static void drainUnread(HttpServerRequest request) {
    if (request.isEnded()) {
      return;
    }
    long[] seen = {0};
    request.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > DRAIN_MAX) {
        request.connection().close();
      }
    });
    request.resume();
  }

  public static JsonObject body(String code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
  }

  private static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 409 -> "conflict";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      case 422 -> "unprocessable";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal" : "error";
    };
  }

  private static String messageFor(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "a valid bearer token is required";
      case 403 -> "not allowed";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "the body is too large";
      case 415 -> "unsupported content type";
      case 503 -> "unavailable";
      default -> "error";
    };
  }
}
