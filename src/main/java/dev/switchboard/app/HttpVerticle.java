package dev.switchboard.app;

import dev.switchboard.config.Config;
import dev.switchboard.auth.ApiKeyRoutes;
import dev.switchboard.auth.ApiKeys;
import dev.switchboard.auth.ApiScopes;
import dev.switchboard.auth.AuthRoutes;
import dev.switchboard.auth.Sessions;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Services;
import dev.switchboard.http.Errors;
import dev.switchboard.http.ExtraRoutes;
import dev.switchboard.inbox.OpsRoutes;
import dev.switchboard.ingress.WebhookRoutes;
import dev.switchboard.inbox.live.EventRoutes;
import dev.switchboard.inbox.live.LiveBridge;
import dev.switchboard.inbox.WebRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;

import java.util.ServiceLoader;

/**
 * One HTTP server instance (one per event loop): operations endpoints, webhook ingress, the
 * agents' API under {@code /api/v1}, the live bridge and the web inbox.
 */
public final class HttpVerticle extends VerticleBase {

  /** An e-mail and a password fit many times over; anything larger is not a sign-in. */
  private static final int LOGIN_MAX_BYTES = 16 * 1024;

  private final Services services;
  private HttpServer server;
  private LiveBridge bridge;
  private dev.switchboard.media.MediaRoutes media;

  public HttpVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Config config = services.config();
    Router root = Router.router(vertx);
    media = new dev.switchboard.media.MediaRoutes(services, dev.switchboard.media.MediaStores.of(services));
    root.route().handler(new SecurityHeaders(config.http().publicUrl()));

    new OpsRoutes(services).mount(root);
    // routes of commands beside the node (the demo's /simulator), found on the class path
    ServiceLoader.load(ExtraRoutes.class).forEach(extra -> extra.mount(root, services));
    Router api = Router.router(vertx);
    api.route().consumes("application/json").consumes("*/*");
    // the sign-in is the one route open to anyone, so its body is read under a small limit of its own
    api.post("/auth/login").handler(BodyHandler.create(false).setBodyLimit(LOGIN_MAX_BYTES));
    api.post("/auth/refresh").handler(BodyHandler.create(false).setBodyLimit(LOGIN_MAX_BYTES));
    Sessions sessions = Sessions.of(services);
    AuthRoutes auth = new AuthRoutes(services, sessions);
    auth.mount(api);
    // the token is checked before any body byte is kept: an anonymous client cannot make the
    // node hold API_MAX_BYTES per socket. The body waits, paused, until BodyHandler resumes it.
    api.route().handler(ctx -> {
      ctx.request().pause();
      ctx.next();
    });
    // a bearer that is an API key (sbk_...) is looked up as one, never read as a JWT
    ApiKeys keys = ApiKeys.of(services);
    JWTAuthHandler jwt = JWTAuthHandler.create(services.tokens().provider());
    api.route().handler(ctx -> {
      if (ApiKeys.presented(ctx)) {
        keys.authenticate(ctx);
      } else {
        jwt.handle(ctx);
      }
    });
    // a logged-out session or a user whose role, password or status changed ends here, on every node
    api.route().handler(sessions.guard());
    // a key calls only the routes its scopes name
    api.route().handler(ApiScopes::check);
    // a caller's changes send their next reads to the primary for READ_YOUR_WRITES_MS
    api.route().handler(dev.switchboard.inbox.ReadSide.recordWrites(services));
    // a media upload streams into the store: it is read before the body handler would buffer it
    media.mountUpload(api);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.apiMaxBytes()));
    auth.mountAuthenticated(api);
    new ApiKeyRoutes(keys).mount(api);
    mountApi(api);
    api.route().handler(ctx -> ctx.fail(ApiException.notFound("route")));
    root.route("/api/v1/*").subRouter(api);

    // ingress: /webhooks/{platform}
    new WebhookRoutes(vertx, services).mount(root);

    // live: /eventbus bridge and the web inbox at /
    bridge = new LiveBridge(services, sessions);
    bridge.mount(root);
    // signed media links for <img>, <audio>, <video> (no bearer token): GET /media/{id}?a=&e=&s=
    media.mountSigned(root);
    new WebRoutes(config).mount(root);

    root.route().failureHandler(Errors::handle);
    api.route().failureHandler(Errors::handle);

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.bindAddress())
        .setPort(config.httpPort())
        .setCompressionSupported(true)
        .setTcpNoDelay(true)
        .setIdleTimeout(120));
    return server.requestHandler(root).listen();
  }

  /** The agents' API; each part mounts its own routes (all behind the bearer token). */
  private void mountApi(Router api) {
    // inbox API: channels, agents, teams, conversations, contacts, saved replies, search, export
    new dev.switchboard.inbox.ChannelRoutes(services).mount(api);
    new dev.switchboard.inbox.AgentRoutes(services).mount(api);
    new dev.switchboard.inbox.ExportRoutes(services).mount(api);
    new dev.switchboard.inbox.ConversationRoutes(services).mount(api);
    new dev.switchboard.inbox.ContactRoutes(services).mount(api);
    new dev.switchboard.inbox.NameRoutes(services).mount(api);
    new dev.switchboard.inbox.SavedReplyRoutes(services).mount(api);
    new dev.switchboard.inbox.SearchRoutes(services).mount(api);
    new dev.switchboard.presence.PresenceRoutes(services).mount(api);
    new dev.switchboard.assign.AssignRoutes(services).mount(api);

    // sending: messages, templates
    new dev.switchboard.outbound.SendRoutes(services).mount(api);

    // bot flows
    new dev.switchboard.bot.FlowRoutes(services).mount(api);

    // integrations: outgoing webhook endpoints (API keys are mounted with the authentication)
    new dev.switchboard.integrations.WebhookEndpointRoutes(services).mount(api);

    // live events: GET /events
    new EventRoutes(services.events()).mount(api);

    // media: GET /media/{id}, GET /media/{id}/link
    media.mount(api);
  }

  /** Graceful: stop accepting connections, let in-flight requests finish (bounded), then close. */
  @Override
  public Future<?> stop() {
    if (bridge != null) {
      bridge.close();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** The port actually bound (tests listen on 0). */
  public int port() {
    return server.actualPort();
  }
}
