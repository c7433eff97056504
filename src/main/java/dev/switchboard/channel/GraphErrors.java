package dev.switchboard.channel;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/** Reads a Graph API error and decides what it means for a send: retry, window, token, or final. */
public final class GraphErrors {

  /** What to do about a failed call. */
  public enum Kind {
    /** 5xx, timeouts, rate limits: try again later (bounded). */
    RETRY,
    /** The platform says the reply window is closed. */
    WINDOW,
    /** The channel's access token is expired or invalid (190): the channel needs attention. */
    TOKEN,
    /** Anything else: fail at once with the platform's message. */
    PERMANENT
  }

  /** One Graph failure; {@code code} is null when there was no Graph error body (timeout, connection). */
  public record GraphError(Kind kind, int httpStatus, Integer code, Integer subcode, String message) {
    /** The code stored on a failed message: a clear reason for window errors, else the platform's code. */
    public String reasonCode() {
      if (kind == Kind.WINDOW) {
        return "window_closed";
      }
      if (code != null) {
        return String.valueOf(code);
      }
      return httpStatus > 0 ? "http_" + httpStatus : "timeout";
    }
  }

  // Graph 4 (app), 613 (calls), 80007 (WABA), 130429 (throughput), 131056 (pair rate), 17/32 (user/page limits)
  private static final Set<Integer> RATE_LIMITS = Set.of(4, 17, 32, 613, 80007, 130429, 131056);
  private static final Set<Integer> WINDOW_SUBCODES = Set.of(2018278, 2534022);

  private GraphErrors() {
  }

  /** Classifies an HTTP answer that is not 2xx. */
  public static GraphError classify(int httpStatus, String body) {
    JsonObject error = null;
    try {
      JsonObject json = body == null || body.isBlank() ? null : new JsonObject(body);
      error = json == null ? null : json.getJsonObject("error");
    } catch (RuntimeException ignored) {
      // not JSON: an HTML error page from a proxy, classified by status alone
    }
    Integer code = error == null ? null : error.getInteger("code");
    Integer subcode = error == null ? null : error.getInteger("error_subcode");
    String message = error == null ? "HTTP " + httpStatus : error.getString("message", "HTTP " + httpStatus);
    JsonObject data = error == null ? null : error.getJsonObject("error_data");
    if (data != null && data.getString("details") != null) {
      message = message + ": " + data.getString("details");
    }
    return new GraphError(kind(httpStatus, code, subcode, error), httpStatus, code, subcode, message);
  }

  /** A call that got no answer (timeout, refused connection). */
  public static GraphError noAnswer(Throwable cause) {
    String m = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new GraphError(Kind.RETRY, 0, null, null, "no answer from the Graph API: " + m);
  }

  static Kind kind(int httpStatus, Integer code, Integer subcode, JsonObject error) {
    if (code != null) {
      if (code == 190) {
        return Kind.TOKEN;
      }
      if (code == 131047 || (code == 10 && subcode != null && WINDOW_SUBCODES.contains(subcode))) {
        return Kind.WINDOW;
      }
      if (RATE_LIMITS.contains(code)) {
        return Kind.RETRY;
      }
    }
    if (httpStatus >= 500 || httpStatus == 429 || httpStatus == 408) {
      return Kind.RETRY;
    }
    if (error != null && Boolean.TRUE.equals(error.getBoolean("is_transient"))) {
      return Kind.RETRY;
    }
    return Kind.PERMANENT;
  }
}
