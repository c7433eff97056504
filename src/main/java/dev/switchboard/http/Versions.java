package dev.switchboard.http;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Times;
import io.vertx.ext.web.RoutingContext;

import java.time.OffsetDateTime;

/**
 * Optimistic concurrency for editors: a {@code PUT} that carries {@code If-Match: "<updatedAt>"}
 * (the thing's {@code updatedAt} as the editor read it) is refused with 412 {@code edited_meanwhile}
 * when the thing changed since, so one admin's save never silently undoes another's change (or a
 * rename that rewrote it). Without the header the write goes through, as before.
 */
public final class Versions {

  private static final int MAX = 64;

  private Versions() {
  }

  /** The version the request expects, or null when it sends no If-Match; 400 for a malformed one. */
  public static String expected(RoutingContext ctx) {
    String h = ctx.request().getHeader("If-Match");
    if (h == null || h.isBlank() || h.trim().equals("*")) {
      return null;
    }
    String v = h.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    if (v.length() < 2 || v.length() > MAX || !v.startsWith("\"") || !v.endsWith("\"")) {
      throw ApiException.badRequest("invalid_if_match", "If-Match must be the quoted updatedAt the editor read");
    }
    return v.substring(1, v.length() - 1);
  }

  /** Fails 412 when {@code expected} is given and is not {@code current}'s version. */
  public static void check(String expected, OffsetDateTime current, String what) {
    if (expected != null && !expected.equals(Times.iso(current))) {
      throw new ApiException(412, "edited_meanwhile", "this " + what + " was changed since you opened it; read it again, then make your change");
    }
  }
}
