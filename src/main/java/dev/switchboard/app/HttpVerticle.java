package dev.switchboard.app;

import dev.switchboard.common.Services;
import dev.switchboard.auth.LoginThrottle;
import dev.switchboard.auth.AuthService;
import dev.switchboard.config.Config;
import dev.switchboard.auth.ApiKeyRoutes;
import dev.switchboard.auth.ApiKeys;
import dev.switchboard.auth.ApiScopes;
import dev.switchboard.auth.AuthRoutes;
import dev.switchboard.auth.Sessions;
import dev.switchboard.common.ApiException;
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

  private final Parts parts;
  private final Services services;
  private HttpServer server;
  private LiveBridge bridge;
  private dev.switchboard.media.MediaRoutes media;

  HttpVerticle(Parts parts) {
    this.parts = parts;
    this.services = parts.s;
  }

  @Override
  public Future<?> start() {
    Config config = services.config();
    Router root = Router.router(vertx);
    media = new dev.switchboard.media.MediaRoutes(parts.media, parts.links, config.media(), services.clock(), parts.streams,
        config.store().streams().idleMs());
    root.route().handler(new SecurityHeaders(config.http().publicUrl()));

    new OpsRoutes(services.pool(), services.redis(), services.metrics(), config.metricsToken()).mount(root);
    // routes of commands beside the node (the demo's /simulator), found on the class path
    ServiceLoader.load(ExtraRoutes.class).forEach(extra -> extra.mount(root, vertx, config, services.pool()));
    Router api = Router.router(vertx);
    api.route().consumes("application/json").consumes("*/*");
    // the sign-in is the one route open to anyone, so its body is read under a small limit of its own
    api.post("/auth/login").handler(BodyHandler.create(false).setBodyLimit(LOGIN_MAX_BYTES));
    api.post("/auth/refresh").handler(BodyHandler.create(false).setBodyLimit(LOGIN_MAX_BYTES));
    Sessions sessions = parts.sessions;
    var authConfig = config.auth();
    AuthRoutes auth = new AuthRoutes(new AuthService(vertx, services.pool(), authConfig.passwordIterations()), sessions,
        new LoginThrottle(services.redis(), authConfig.loginMaxFailures(), authConfig.loginMaxFailuresPerAddress(),
            authConfig.loginWindowSeconds(), services.metrics()),
        config.clientAddress(), config.http().publicUrl());
    auth.mount(api);
    // the token is checked before any body byte is kept: an anonymous client cannot make the
    // node hold API_MAX_BYTES per socket. The body waits, paused, until BodyHandler resumes it.
    api.route().handler(ctx -> {
      ctx.request().pause();
      ctx.next();
    });
    // a bearer that is an API key (sbk_...) is looked up as one, never read as a JWT
    ApiKeys keys = parts.apiKeys;
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
    api.route().handler(dev.switchboard.inbox.ReadSide.recordWrites(services.replicas()));
    // a media upload streams into the store: it is read before the body handler would buffer it
    media.mountUpload(api);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.apiMaxBytes()));
    auth.mountAuthenticated(api);
    new ApiKeyRoutes(keys).mount(api);
    mountApi(api);
    api.route().handler(ctx -> ctx.fail(ApiException.notFound("route")));
    root.route("/api/v1/*").subRouter(api);

    // ingress: /webhooks/{platform}
    new WebhookRoutes(vertx, services.pool(), config, services.metrics()).mount(root);

    // live: /eventbus bridge and the web inbox at /
    bridge = new LiveBridge(vertx, config.bridge(), config.clientAddress(), services.tokens(), sessions, services.redis(),
        parts.presence, services.clock(), services.metrics());
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
        // the one multipart route (an upload) takes its file as a stream; its other fields are small
        .setMaxFormAttributeSize(dev.switchboard.media.MediaRoutes.FIELD_MAX)
        .setIdleTimeout(120));
    return server.requestHandler(root).listen();
  }

  /** The agents' API; each part mounts its own routes (all behind the bearer token). */
  private void mountApi(Router api) {
    // inbox API: channels, agents, teams, conversations, contacts, saved replies, search, export
    Config config = services.config();
    var tx = parts.tx;
    new dev.switchboard.inbox.ChannelRoutes(tx, parts.graph, config.http().publicUrl(), config.metaVerifyToken()).mount(api);
    new dev.switchboard.inbox.AgentRoutes(vertx, tx, parts.sessions, parts.presence, config.auth().passwordIterations()).mount(api);
    new dev.switchboard.inbox.ExportRoutes(parts.conversations, services.replicas(), config.inbox().exportFetch(), parts.streams,
        config.store().streams().idleMs()).mount(api);
    new dev.switchboard.inbox.ConversationRoutes(tx, services.replicas(), config.inbox(), parts.snoozes, parts.queueTimers).mount(api);
    new dev.switchboard.inbox.ContactRoutes(parts.contacts).mount(api);
    new dev.switchboard.inbox.NameRoutes(tx).mount(api);
    new dev.switchboard.inbox.SavedReplyRoutes(tx).mount(api);
    new dev.switchboard.inbox.SearchRoutes(tx, services.replicas(), config.inbox()).mount(api);
    new dev.switchboard.presence.PresenceRoutes(services.pool(), services.redis(), services.clock(), parts.presence,
        config.presence().activityThrottleMs()).mount(api);
    new dev.switchboard.assign.AssignRoutes(services.pool()).mount(api);

    // sending: messages, templates
    new dev.switchboard.outbound.SendRoutes(tx, parts.outbox, services.redis(), parts.graph,
        config.outbox().templateCacheSeconds()).mount(api);

    // bot flows
    new dev.switchboard.bot.FlowRoutes(tx).mount(api);

    // integrations: outgoing webhook endpoints (API keys are mounted with the authentication)
    new dev.switchboard.integrations.WebhookEndpointRoutes(vertx, parts.tx, config.outgoing()).mount(api);

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
