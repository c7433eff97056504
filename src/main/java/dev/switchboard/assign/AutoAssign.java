package dev.switchboard.assign;

import dev.switchboard.common.ApiException;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * An account's or a team's auto-assignment: {@code {mode: "round_robin" | "least_busy", capacity,
 * onlyAvailable}}. Absent (null) is off, so nothing is assigned behind an admin's back.
 *
 * @param capacity      conversations an agent may hold (status assigned) before they are passed over
 * @param onlyAvailable also require the agent to be online (a bridge socket on some node); an agent
 *                      who set themselves away is never picked either way
 */
public record AutoAssign(String mode, int capacity, boolean onlyAvailable) {

  public static final String ROUND_ROBIN = "round_robin";
  public static final String LEAST_BUSY = "least_busy";
  public static final int MAX_CAPACITY = 1000;
  private static final Set<String> FIELDS = Set.of("mode", "capacity", "onlyAvailable");

  /** From a request body's {@code autoAssign} value: null turns it off; wrong shapes answer 400/422. */
  public static AutoAssign parse(Object raw) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonObject o)) {
      throw ApiException.badRequest("invalid_field", "autoAssign must be an object or null");
    }
    for (String name : o.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw ApiException.unprocessable("invalid_auto_assign", "autoAssign has no field " + name
            + " (mode, capacity, onlyAvailable)");
      }
    }
    if (!(o.getValue("mode") instanceof String mode) || (!ROUND_ROBIN.equals(mode) && !LEAST_BUSY.equals(mode))) {
      throw ApiException.unprocessable("invalid_auto_assign", "autoAssign.mode must be round_robin or least_busy");
    }
    Object cap = o.getValue("capacity");
    if (!(cap instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < 1 || n.longValue() > MAX_CAPACITY) {
      throw ApiException.unprocessable("invalid_auto_assign", "autoAssign.capacity must be a whole number from 1 to " + MAX_CAPACITY);
    }
    Object only = o.getValue("onlyAvailable", true);
    if (!(only instanceof Boolean b)) {
      throw ApiException.badRequest("invalid_field", "autoAssign.onlyAvailable must be true or false");
    }
    return new AutoAssign(mode, n.intValue(), b);
  }

  /** From the stored jsonb (written by {@link #toJson}), or null. */
  public static AutoAssign stored(Object value) {
    if (!(value instanceof JsonObject o)) {
      return null;
    }
    return new AutoAssign(o.getString("mode", ROUND_ROBIN), o.getInteger("capacity", 1), o.getBoolean("onlyAvailable", true));
  }

  public JsonObject toJson() {
    return new JsonObject().put("mode", mode).put("capacity", capacity).put("onlyAvailable", onlyAvailable);
  }

  public static Object json(AutoAssign a) {
    return a == null ? null : a.toJson();
  }
}
