package dev.switchboard.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** Lenient accessors for webhook JSON: a wrong type is a {@link WebhookParseException}, never a ClassCastException. */
public final class Json {

  private Json() {
  }

  public static JsonObject obj(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    if (v == null) {
      return null;
    }
    if (v instanceof JsonObject j) {
      return j;
    }
    throw new WebhookParseException("'" + key + "' must be an object");
  }

  public static JsonArray arr(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    if (v == null) {
      return new JsonArray();
    }
    if (v instanceof JsonArray a) {
      return a;
    }
    throw new WebhookParseException("'" + key + "' must be an array");
  }

  /** A string or number as text (Meta sends ids both ways). */
  public static String str(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    throw new WebhookParseException("'" + key + "' must be a string");
  }

  public static String required(JsonObject o, String key, String where) {
    String v = str(o, key);
    if (v == null || v.isEmpty()) {
      throw new WebhookParseException(where + " has no '" + key + "'");
    }
    return v;
  }

  public static JsonObject objAt(JsonArray a, int i, String what) {
    Object v = a.getValue(i);
    if (v instanceof JsonObject j) {
      return j;
    }
    throw new WebhookParseException(what + "[" + i + "] must be an object");
  }

  /** Epoch seconds (WhatsApp, as a string) or milliseconds (Messenger/Instagram, a number). */
  public static Instant epoch(JsonObject o, String key, boolean millis) {
    String v = str(o, key);
    if (v == null) {
      return null;
    }
    try {
      long n = Long.parseLong(v.trim());
      return millis ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
    } catch (NumberFormatException e) {
      throw new WebhookParseException("'" + key + "' is not an epoch timestamp: " + v);
    }
  }

  public static boolean truthy(JsonObject o, String key) {
    Object v = o == null ? null : o.getValue(key);
    return Boolean.TRUE.equals(v) || "true".equals(v);
  }
}
