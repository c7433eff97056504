package dev.switchboard.app;

import dev.switchboard.common.Services;
import dev.switchboard.config.Config;
import dev.switchboard.auth.AuthService;
import dev.switchboard.common.Tokens;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.events.EventPublisher;
import dev.switchboard.events.EventRelayVerticle;
import dev.switchboard.ingress.ProcessorVerticle;
import dev.switchboard.launch.StartupException;
import dev.switchboard.inbox.live.EventFanoutVerticle;
import dev.switchboard.common.WindowPolicy;
import dev.switchboard.store.Db;
import dev.switchboard.store.EventLog;
import dev.switchboard.store.Migrations;
import dev.switchboard.store.RedisStore;
import dev.switchboard.store.Replicas;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One Switchboard node: checks its dependencies, migrates, seeds, and deploys every part.
 * Tests start several of these in one JVM, each on its own {@link Vertx}.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Vertx vertx;
  private final Services services;
  private final Parts parts;
  private final List<String> deployments = new ArrayList<>();
  private int port;
  private io.vertx.core.http.HttpServer metricsServer;
  private boolean adminCreated;

  private Node(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
    this.parts = new Parts(services);
  }

  /** Starts a node; fails with a {@link StartupException} whose message is one clear line. */
  public static Future<Node> start(Vertx vertx, Config config, MeterRegistry metrics, Clock clock) {
    for (String[] server : new String[][] {{"DATABASE_URL", config.databaseUrl()}, {"REDIS_URL", config.redisUrl()}}) {
      if (server[1] == null) {
        return Future.failedFuture(new StartupException(server[0] + " is not set"));
      }
    }
    if (config.jwtSecretGenerated()) {
      LOG.warn("JWT_SECRET is not set: tokens are signed with a random secret and die with this node; set it when running several nodes");
    }
    if (config.metaAppSecret() == null) {
      LOG.warn("META_APP_SECRET is not set: every webhook POST will be refused");
    }
    Pool pool = Db.pool(vertx, config.databaseUrl(), config.store().dbPoolSize());
    RedisStore redis = new RedisStore(vertx, redisSetup(config), config.redisPrefix());
    EventLog events = new EventLog(redis, config.events().logMaxlen(), config.events().accountMaxlen(),
        config.events().logPartitions());
    Tokens tokens = new Tokens(vertx, config.jwtSecret());
    WebClient graph = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(config.graph().timeoutMs())
        .setIdleTimeout(60)
        .setUserAgent("Switchboard/0.1"));
    Replicas replicas = config.replicas().readUrl() == null ? Replicas.none(pool)
        : Replicas.of(vertx, pool, config.replicas().readUrl(), config.store().dbPoolSize(), redis,
            config.replicas().readYourWritesMs(), metrics);
    Services services = new Services(vertx, config, pool, redis, events, tokens, graph, metrics, clock,
        new WindowPolicy(config.windowStandard(), config.windowHumanAgent()), new InboundHooks(), new EventPublisher(vertx),
        replicas);
    Node node = new Node(vertx, services);

    String pgWhere = Db.describe(config.databaseUrl());
    return pool.query("SELECT 1").execute()
        .recover(err -> Future.failedFuture(new StartupException(
            "PostgreSQL is unreachable at " + pgWhere + " (DATABASE_URL): " + oneLine(err))))
        .compose(v -> redis.api().ping(List.of())
            .recover(err -> Future.failedFuture(new StartupException(
                "Redis is unreachable at " + redactedRedis(config.redisUrl()) + " (REDIS_URL): " + oneLine(err)))))
        .compose(v -> Migrations.run(vertx, config.databaseUrl())
            .recover(err -> Future.failedFuture(new StartupException(
                "migrating PostgreSQL at " + pgWhere + " failed: " + oneLine(err)))))
        .compose(n -> new AuthService(vertx, pool, config.auth().passwordIterations()).seedAdmin(config.adminEmail(), config.adminPassword()))
        .compose(created -> {
          node.adminCreated = created;
          return node.deployAll();
        })
        .map(v -> node)
        .recover(err -> {
          pool.close();
          replicas.close();
          redis.close();
          graph.close();
          return Future.failedFuture(err);
        });
  }

  private Future<Void> deployAll() {
    int instances = services.config().http().instances();
    List<HttpVerticle> servers = new ArrayList<>();
    return vertx.deployVerticle(() -> {
          HttpVerticle v = new HttpVerticle(parts);
          synchronized (servers) {
            servers.add(v);
          }
          return v;
        }, new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::add)
        .compose(id -> startMetricsServer())
        .compose(id -> deployWorkers())
        .onSuccess(v -> port = servers.get(0).port())
        .mapEmpty();
  }

  /**
   * {@code METRICS_PORT}: a server of its own that answers only {@code GET /metrics} (and the
   * token when one is set), on loopback unless METRICS_BIND_ADDRESS opens it wider, so a scraper
   * on the host or a sidecar reads metrics without the main port serving them to anyone.
   */
  private Future<Void> startMetricsServer() {
    Config config = services.config();
    if (config.metricsPort() == null) {
      return Future.succeededFuture();
    }
    io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
    router.route().handler(new SecurityHeaders(null));
    new dev.switchboard.inbox.OpsRoutes(services.pool(), services.redis(), services.metrics(), config.metricsToken()).mountMetrics(router);
    router.route().handler(ctx -> ctx.fail(dev.switchboard.common.ApiException.notFound("route")));
    router.route().failureHandler(dev.switchboard.http.Errors::handle);
    return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
            .setHost(config.metricsBindAddress()).setPort(config.metricsPort()).setIdleTimeout(60))
        .requestHandler(router).listen()
        .recover(err -> Future.failedFuture(new StartupException("cannot listen for metrics on "
            + config.metricsBindAddress() + ":" + config.metricsPort() + " (METRICS_PORT): " + oneLine(err))))
        .onSuccess(server -> metricsServer = server)
        .mapEmpty();
  }

  /** The metrics server's port, or -1 without METRICS_PORT. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.actualPort();
  }

  /** Background parts: processor, sweeper, send pipeline, timers, event fan-out, bots. */
  private Future<Void> deployWorkers() {
    List<Future<String>> all = new ArrayList<>();
    // events: the relay from the outbox to the log; first, so it is the last to stop
    var events = services.config().events();
    all.add(vertx.deployVerticle(new EventRelayVerticle(services.pool(), services.events(), services.publisher(), services.metrics(),
        events.relayBatch(), events.relayPollMs(), events.outboxRetentionMs(), events.outboxPruneMs(), events.faultPoint())));
    if (services.config().processor().profileLookup()) {
      services.inboundHooks().register(new dev.switchboard.conversation.ProfileNameHook(parts.contacts));
    }
    // ingress: processor and sweeper (PROCESSOR_ENABLED=false: a node that only stores webhooks)
    if (services.config().processor().enabled()) {
      all.add(vertx.deployVerticle(new ProcessorVerticle(parts.tx, services.inboundHooks(), services.config().processor(),
          events.faultPoint(), services.metrics())));
    }

    // sending: send pipeline, window timer
    Config config = services.config();
    all.add(vertx.deployVerticle(new dev.switchboard.outbound.OutboxVerticle(parts.tx, services.redis(), parts.graph, parts.media,
        parts.links, config, services.metrics())));
    // media: every node downloads queued attachments into the shared store
    all.add(vertx.deployVerticle(new dev.switchboard.media.MediaFetchVerticle(parts.tx, parts.graph, parts.media, config.media(),
        config.nodeId())));
    all.add(vertx.deployVerticle(new dev.switchboard.media.MediaRetentionVerticle(parts.tx, parts.media, config.media())));
    all.add(vertx.deployVerticle(new dev.switchboard.window.WindowTimerVerticle(parts.tx, services.redis(), services.inboundHooks(),
        parts.windowTimer, parts.queueTimers, config.nodeId(), config.window().timerPollMs())));

    // outgoing webhooks: every node delivers, endpoints leased one node at a time; one instance per
    // core, each on an event loop of its own with its share of the endpoints (by id), since one event
    // loop is a single core's worth of POSTs
    int hooks = Math.max(1, Runtime.getRuntime().availableProcessors());
    for (int i = 0; i < hooks; i++) {
      all.add(vertx.deployVerticle(new dev.switchboard.integrations.WebhookDeliveryVerticle(parts.tx, config.outgoing(), config.nodeId(), hooks, i)));
    }

    // bot
    var botHook = new dev.switchboard.bot.BotHook(new dev.switchboard.bot.OutboxBotReplies(parts.outbox), services.clock(),
        services.windows(), config.bot().maxRepliesPerMinute(), services.metrics());
    all.add(vertx.deployVerticle(new dev.switchboard.bot.BotVerticle(services.inboundHooks(), botHook)));

    // live: each node reads the Redis event log and hands every event to its own sockets (LiveHub)
    all.add(vertx.deployVerticle(new EventFanoutVerticle(services.events(), services.redis(), services.config().fanout(), services.config().nodeId(),
        services.metrics())));
    // presence leases, ephemeral events (presence, viewing, typing), auto-assignment
    all.add(vertx.deployVerticle(new dev.switchboard.presence.PresenceVerticle(parts.presence, config.presence())));
    all.add(vertx.deployVerticle(new dev.switchboard.inbox.live.EphemeralVerticle(services.redis())));
    var assigner = new dev.switchboard.assign.Assigner(parts.tx, parts.presence, config.presence(), events.faultPoint());
    all.add(vertx.deployVerticle(new dev.switchboard.assign.AssignVerticle(assigner, config.presence())));

    return Future.all(all).onSuccess(cf -> all.forEach(f -> deployments.add(f.result()))).mapEmpty();
  }

  public Services services() {
    return services;
  }

  /** The node's transactions with events (tests run changes through them as the routes do). */
  public dev.switchboard.conversation.Transactions transactions() {
    return parts.tx;
  }

  /** The node's media store ({@code MEDIA_STORE}). */
  public dev.switchboard.media.MediaStore mediaStore() {
    return parts.media;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return port;
  }

  /** True when this start created the first account's admin from ADMIN_EMAIL/ADMIN_PASSWORD. */
  public boolean adminCreated() {
    return adminCreated;
  }

  /**
   * Graceful stop (SIGTERM): first the HTTP servers stop taking requests and finish the ones in
   * flight, then the background parts finish their batch and hand back their claims, then the
   * clients close.
   */
  public Future<Void> stop() {
    if (deployments.isEmpty()) {
      return Future.succeededFuture();
    }
    String http = deployments.get(0);
    List<String> workers = new ArrayList<>(deployments.subList(1, deployments.size()));
    deployments.clear();
    Future<Void> metrics = metricsServer == null ? Future.succeededFuture() : metricsServer.close().otherwise((Void) null);
    return metrics.compose(v -> vertx.undeploy(http)).otherwise((Void) null)
        .compose(v -> {
          List<Future<Void>> undeploys = new ArrayList<>();
          for (int i = workers.size() - 1; i >= 0; i--) {
            undeploys.add(vertx.undeploy(workers.get(i)).otherwise((Void) null));
          }
          return Future.join(undeploys);
        })
        .eventually(() -> services.replicas().close())
        .eventually(() -> services.pool().close())
        .eventually(() -> {
          services.redis().close();
          services.graph().close();
          return Future.succeededFuture();
        })
        .mapEmpty();
  }

  static String oneLine(Throwable err) {
    Throwable root = err;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return m.replace('\n', ' ').trim();
  }

  /** How this node reaches Redis (REDIS_MODE, REDIS_URL, REDIS_MASTER_NAME). */
  static RedisStore.Setup redisSetup(Config config) {
    return new RedisStore.Setup(config.store().redisMode(), config.redisUrl(), config.store().redisMasterName());
  }

  private static String redactedRedis(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

}
