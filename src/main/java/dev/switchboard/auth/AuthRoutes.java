package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Bodies;
import dev.switchboard.common.Services;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /api/v1/auth/login}, behind a wrong-password throttle shared by every node. */
public final class AuthRoutes {

  private final AuthService auth;
  private final LoginThrottle throttle;

  public AuthRoutes(Services s) {
    this.auth = new AuthService(s.vertx(), s.pool(), s.tokens(), s.config().intOr("PASSWORD_ITERATIONS", Passwords.ITERATIONS));
    this.throttle = new LoginThrottle(s.redis(),
        s.config().intOr("LOGIN_MAX_FAILURES", 5),
        s.config().intOr("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        s.config().intOr("LOGIN_WINDOW_SECONDS", 900),
        s.metrics());
  }

  /** Mounted before the bearer-token handler: login is the one public API call. */
  public void mount(Router api) {
    api.post("/auth/login").handler(this::login);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String email = Bodies.string(body, "email", true);
    String password = Bodies.string(body, "password", true);
    String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    throttle.check(email, address)
        .compose(v -> auth.login(email, password).recover(err -> {
          if (err instanceof ApiException e && e.status() == 401) {
            return throttle.failed(email, address).compose(lockMs -> Future.failedFuture(err));
          }
          return Future.failedFuture(err);
        }))
        .compose(r -> throttle.succeeded(email).map(r))
        .onSuccess(r -> ctx.json(r))
        .onFailure(ctx::fail);
  }
}
