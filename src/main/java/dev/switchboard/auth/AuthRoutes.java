package dev.switchboard.auth;

import dev.switchboard.common.Principal;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.config.ClientAddress;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /api/v1/auth}: sign-in (behind a wrong-password throttle shared by every node), refresh
 * and logout. The refresh token also travels as an HttpOnly, SameSite=Strict cookie scoped to
 * these routes, so the inbox keeps no token where a script could read it. Beside it goes a hint
 * the page can read, holding no secret: set and cleared with the refresh cookie, it tells the page
 * whether a refresh is worth asking for, so a visit without a session asks nothing and logs no 401.
 */
public final class AuthRoutes {

  /** The refresh token's cookie: sent only to the auth routes, never readable by the page's scripts. */
  static final String COOKIE = "sb_refresh";
  /** Set and cleared with {@link #COOKIE}: "a refresh cookie was set here". Readable by the page, so on its whole path. */
  static final String HINT_COOKIE = "sb_signed_in";

  private final AuthService auth;
  private final LoginThrottle throttle;
  private final Sessions sessions;
  private final boolean secureCookie;
  private final ClientAddress clients;

  public AuthRoutes(AuthService auth, Sessions sessions, LoginThrottle throttle, ClientAddress clients, String publicUrl) {
    this.auth = auth;
    this.sessions = sessions;
    this.clients = clients;
    this.secureCookie = publicUrl != null && publicUrl.trim().toLowerCase(java.util.Locale.ROOT).startsWith("https:");
    this.throttle = throttle;
  }

  /** Mounted before the bearer-token handler: sign-in and refresh are the public API calls. */
  public void mount(Router api) {
    api.post("/auth/login").handler(this::login);
    api.post("/auth/refresh").handler(this::refresh);
  }

  /** Mounted behind the bearer-token handler. */
  public void mountAuthenticated(Router api) {
    api.post("/auth/logout").handler(this::logout);
    api.post("/auth/password").handler(this::changePassword);
  }

  // The current password is guessed no faster than a sign-in's: failures count against the same limits.
  private void changePassword(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    JsonObject body = Bodies.object(ctx);
    String current = Bodies.string(body, "currentPassword", true);
    String next = Bodies.string(body, "newPassword", true);
    if (next.length() < 8 || next.length() > 1024) {
      throw ApiException.unprocessable("weak_password", "the new password must have 8 to 1024 characters");
    }
    String address = address(ctx);
    String key = "user:" + p.userId();
    throttle.check(key, address)
        .compose(v -> auth.changePassword(p.userId(), current, next, sessions).recover(err -> {
          if (err instanceof ApiException e && "wrong_password".equals(e.code())) {
            return throttle.failed(key, address).compose(x -> Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        }))
        .compose(sessions::open)
        .onSuccess(issued -> answer(ctx, issued))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String email = Bodies.string(body, "email", true);
    String password = Bodies.string(body, "password", true);
    String address = address(ctx);
    throttle.check(email, address)
        .compose(v -> auth.authenticate(email, password).recover(err -> {
          if (err instanceof ApiException e && e.status() == 401) {
            return throttle.failed(email, address).compose(lockMs -> Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        }))
        .compose(user -> throttle.succeeded(email).compose(v -> sessions.open(user)))
        .onSuccess(issued -> answer(ctx, issued))
        .onFailure(ctx::fail);
  }

  // The refresh token comes in the body (API clients) or in the cookie (the inbox); failures count
  // against the client address like wrong passwords, so refresh tokens cannot be guessed either.
  private void refresh(RoutingContext ctx) {
    JsonObject body = ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : Bodies.object(ctx);
    String token = Bodies.string(body, "refreshToken", false);
    if (token == null && ctx.request().getCookie(COOKIE) != null) {
      token = ctx.request().getCookie(COOKIE).getValue();
    }
    if (token == null) {
      // a hint without its refresh cookie (cleared by hand, say) would have the page ask on every visit
      clearCookie(ctx);
      ctx.fail(ApiException.unauthorized("a refresh token is required"));
      return;
    }
    String address = address(ctx);
    String presented = token;
    throttle.check("refresh:" + address, address)
        .compose(v -> sessions.refresh(presented).recover(err -> {
          if (err instanceof ApiException e && e.status() == 401) {
            return throttle.failed("refresh:" + address, address).compose(x -> Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        }))
        .onSuccess(issued -> answer(ctx, issued))
        .onFailure(err -> {
          if (err instanceof ApiException e && e.status() == 401) {
            clearCookie(ctx);
          }
          ctx.fail(err);
        });
  }

  private void logout(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    sessions.revoke(p.sessionId())
        .onSuccess(v -> {
          clearCookie(ctx);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private void answer(RoutingContext ctx, Sessions.Issued issued) {
    ctx.response().addCookie(cookie(issued.refreshToken(), issued.maxAgeSeconds()));
    ctx.response().addCookie(hint("1", issued.maxAgeSeconds()));
    ctx.json(issued.body());
  }

  private void clearCookie(RoutingContext ctx) {
    ctx.response().addCookie(cookie("", 0));
    ctx.response().addCookie(hint("", 0));
  }

  private Cookie cookie(String value, long maxAge) {
    return Cookie.cookie(COOKIE, value).setPath("/api/v1/auth").setHttpOnly(true).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setMaxAge(maxAge);
  }

  // the refresh cookie's lifetime, SameSite and Secure; its path is the page's (/), since a page
  // reads only the cookies of its own path, and not HttpOnly, since the page reads it
  private Cookie hint(String value, long maxAge) {
    return Cookie.cookie(HINT_COOKIE, value).setPath("/").setHttpOnly(false).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setMaxAge(maxAge);
  }

  private String address(RoutingContext ctx) {
    return clients.of(ctx.request().remoteAddress(), ctx.request().headers());
  }
}
