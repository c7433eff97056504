package dev.switchboard.common;

/**
 * A failure with an HTTP status and a stable error code; the one failure handler renders it as
 * {@code {"error": {"code", "message"}}}. Thrown (or failed with) anywhere in the domain.
 */
public class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private long retryAfterSeconds = -1;

  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Asks the client to wait this long before trying again ({@code Retry-After}). */
  public ApiException retryAfter(long seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  private io.vertx.core.json.JsonObject details;

  /** Fields added to the error object beside code and message (e.g. the newer reply of a 409). */
  public ApiException with(io.vertx.core.json.JsonObject extra) {
    this.details = extra;
    return this;
  }

  public io.vertx.core.json.JsonObject details() {
    return details;
  }

  /** Seconds for {@code Retry-After}, or -1 for none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message);
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what + " not found");
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message);
  }

  public static ApiException gone(String code, String message) {
    return new ApiException(410, code, message);
  }

  public static ApiException unprocessable(String code, String message) {
    return new ApiException(422, code, message);
  }

  public static ApiException badGateway(String code, String message) {
    return new ApiException(502, code, message);
  }

  public static ApiException unavailable(String code, String message) {
    return new ApiException(503, code, message);
  }
}
