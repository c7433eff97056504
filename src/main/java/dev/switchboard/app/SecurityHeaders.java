package dev.switchboard.app;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;

/**
 * The headers every response carries, first on the router. The inbox is plain ES modules with no
 * inline script or style, so its policy allows scripts and styles from this origin only, and
 * nothing may frame it. The SockJS transport pages under {@code /eventbus/} are the bridge's own
 * (an iframe fallback with an inline bootstrap script); they get everything but the policy.
 */
public final class SecurityHeaders implements Handler<RoutingContext> {

  static final String CSP = String.join("; ",
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      // customers' profile pictures and attachments still come from Meta's CDN
      "img-src 'self' data: blob: https:",
      "media-src 'self' blob: https:",
      "connect-src 'self'",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'");

  private final boolean https;

  /** @param publicUrl PUBLIC_URL, or null: HSTS is sent only when it is https */
  public SecurityHeaders(String publicUrl) {
    boolean secure = false;
    if (publicUrl != null && !publicUrl.isBlank()) {
      try {
        secure = "https".equalsIgnoreCase(URI.create(publicUrl.trim()).getScheme());
      } catch (IllegalArgumentException ignored) {
        // Config rejects a malformed PUBLIC_URL before this runs
      }
    }
    this.https = secure;
  }

  @Override
  public void handle(RoutingContext ctx) {
    MultiMap h = ctx.response().headers();
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    if (!ctx.request().path().startsWith("/eventbus/")) {
      h.set("Content-Security-Policy", CSP);
      h.set("X-Frame-Options", "DENY");
    }
    if (https) {
      h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    ctx.next();
  }
}
