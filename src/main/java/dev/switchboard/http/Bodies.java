package dev.switchboard.http;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reading request bodies: wrong types answer 400 naming the field; unknown fields are ignored. */
public final class Bodies {

  private Bodies() {
  }

  public static JsonObject object(RoutingContext ctx) {
    try {
      if (ctx.body() == null || ctx.body().length() == 0) {
        throw ApiException.badRequest("invalid_body", "a JSON object body is required");
      }
      Object v = ctx.body().asJsonObject();
      if (v == null) {
        throw ApiException.badRequest("invalid_body", "a JSON object body is required");
      }
      JsonObject body = (JsonObject) v;
      refuseNul(body, "");
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw ApiException.badRequest("invalid_json", "the body must be a JSON object");
    }
  }

  /**
   * PostgreSQL cannot store U+0000 in text or jsonb, so a NUL anywhere in a body, in a value or a
   * key, is refused here, before anything is written, naming where it is: 422 {@code invalid_text}.
   */
  private static void refuseNul(Object value, String path) {
    if (value instanceof String s) {
      if (s.indexOf('\u0000') >= 0) {
        throw ApiException.unprocessable("invalid_text", path + " must not contain NUL (U+0000) characters");
      }
    } else if (value instanceof JsonObject o) {
      for (var e : o) {
        String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().indexOf('\u0000') >= 0) {
          throw ApiException.unprocessable("invalid_text", "a field name must not contain NUL (U+0000) characters");
        }
        refuseNul(e.getValue(), at);
      }
    } else if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        refuseNul(a.getValue(i), path + "[" + i + "]");
      }
    }
  }

  public static String string(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (v == null) {
      if (required) {
        throw ApiException.badRequest("missing_field", field + " is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw ApiException.badRequest("invalid_field", field + " must be a string");
    }
    if (required && s.isBlank()) {
      throw ApiException.badRequest("missing_field", field + " must not be empty");
    }
    return s;
  }

  public static Boolean bool(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiException.badRequest("invalid_field", field + " must be a boolean");
    }
    return b;
  }

  public static JsonArray array(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (v == null) {
      if (required) {
        throw ApiException.badRequest("missing_field", field + " is required");
      }
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw ApiException.badRequest("invalid_field", field + " must be an array");
    }
    return a;
  }

  public static JsonObject obj(JsonObject body, String field, boolean required) {
    Object v = body.getValue(field);
    if (v == null) {
      if (required) {
        throw ApiException.badRequest("missing_field", field + " is required");
      }
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw ApiException.badRequest("invalid_field", field + " must be an object");
    }
    return o;
  }

  /**
   * A list of ids from a body array: an entry that is neither a string nor a number is a 400
   * naming its index; one that is not an id names nothing we have, so 404 {@code what <value>}.
   */
  public static java.util.List<Long> ids(JsonArray raw, String field, String what) {
    java.util.List<Long> ids = new java.util.ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      Object v = raw.getValue(i);
      if (!(v instanceof String) && !(v instanceof Number)) {
        throw ApiException.badRequest("invalid_field", field + "[" + i + "] must be an id");
      }
      Long id = Ids.tryParse(v.toString());
      if (id == null) {
        throw ApiException.notFound(what + " " + v);
      }
      ids.add(id);
    }
    return ids;
  }

  /** {@code limit}: 1 to 200, default 50, larger values clamped to 200. */
  public static int limit(RoutingContext ctx) {
    String raw = ctx.request().getParam("limit");
    if (raw == null || raw.isBlank()) {
      return 50;
    }
    try {
      int n = Integer.parseInt(raw.trim());
      if (n < 1) {
        throw ApiException.badRequest("invalid_field", "limit must be between 1 and 200");
      }
      return Math.min(n, 200);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid_field", "limit must be an integer");
    }
  }
}
