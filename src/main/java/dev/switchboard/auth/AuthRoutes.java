package dev.switchboard.auth;

import dev.switchboard.common.Bodies;
import dev.switchboard.common.Services;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /api/v1/auth/login}. */
public final class AuthRoutes {

  private final AuthService auth;

  public AuthRoutes(Services s) {
    this.auth = new AuthService(s.vertx(), s.pool(), s.tokens());
  }

  /** Mounted before the bearer-token handler: login is the one public API call. */
  public void mount(Router api) {
    api.post("/auth/login").handler(this::login);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String email = Bodies.string(body, "email", true);
    String password = Bodies.string(body, "password", true);
    auth.login(email, password)
        .onSuccess(r -> ctx.json(r))
        .onFailure(ctx::fail);
  }
}
