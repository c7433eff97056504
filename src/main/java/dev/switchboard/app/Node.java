package dev.switchboard.app;

import dev.switchboard.config.Config;
import dev.switchboard.auth.AuthService;
import dev.switchboard.common.Tokens;
import dev.switchboard.common.Services;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.ingress.ProcessorVerticle;
import dev.switchboard.launch.StartupException;
import dev.switchboard.inbox.live.EventFanoutVerticle;
import dev.switchboard.common.WindowPolicy;
import dev.switchboard.store.Db;
import dev.switchboard.store.EventLog;
import dev.switchboard.store.Migrations;
import dev.switchboard.store.RedisStore;
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
  private final List<String> deployments = new ArrayList<>();
  private int port;
  private boolean adminCreated;

  private Node(Vertx vertx, Services services) {
    this.vertx = vertx;
    this.services = services;
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
    RedisStore redis = new RedisStore(vertx, config.redisUrl(), config.redisPrefix());
    EventLog events = new EventLog(redis, config.events().logMaxlen(), config.events().accountMaxlen());
    Tokens tokens = new Tokens(vertx, config.jwtSecret());
    WebClient graph = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(config.graph().timeoutMs())
        .setIdleTimeout(60)
        .setUserAgent("Switchboard/0.1"));
    Services services = new Services(vertx, config, pool, redis, events, tokens, graph, metrics, clock,
        new WindowPolicy(config.windowStandard(), config.windowHumanAgent()), new InboundHooks());
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
          redis.close();
          graph.close();
          return Future.failedFuture(err);
        });
  }

  private Future<Void> deployAll() {
    int instances = services.config().http().instances();
    List<HttpVerticle> servers = new ArrayList<>();
    return vertx.deployVerticle(() -> {
          HttpVerticle v = new HttpVerticle(services);
          synchronized (servers) {
            servers.add(v);
          }
          return v;
        }, new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::add)
        .compose(id -> deployWorkers())
        .onSuccess(v -> port = servers.get(0).port())
        .mapEmpty();
  }

  /** Background parts: processor, sweeper, send pipeline, timers, event fan-out, bots. */
  private Future<Void> deployWorkers() {
    List<Future<String>> all = new ArrayList<>();
    if (services.config().processor().profileLookup()) {
      services.inboundHooks().register(new dev.switchboard.conversation.ProfileNameHook(services));
    }
    // ingress: processor and sweeper (PROCESSOR_ENABLED=false: a node that only stores webhooks)
    if (services.config().processor().enabled()) {
      all.add(vertx.deployVerticle(new ProcessorVerticle(services)));
    }

    // sending: send pipeline, window timer
    all.add(vertx.deployVerticle(new dev.switchboard.outbound.OutboxVerticle(services)));
    all.add(vertx.deployVerticle(new dev.switchboard.window.WindowTimerVerticle(services)));

    // bot
    all.add(vertx.deployVerticle(new dev.switchboard.bot.BotVerticle(services)));

    // live: each node reads the Redis event log and hands every event to its own sockets (LiveHub)
    all.add(vertx.deployVerticle(new EventFanoutVerticle(services)));

    return Future.all(all).onSuccess(cf -> all.forEach(f -> deployments.add(f.result()))).mapEmpty();
  }

  public Services services() {
    return services;
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
    return vertx.undeploy(http).otherwise((Void) null)
        .compose(v -> {
          List<Future<Void>> undeploys = new ArrayList<>();
          for (int i = workers.size() - 1; i >= 0; i--) {
            undeploys.add(vertx.undeploy(workers.get(i)).otherwise((Void) null));
          }
          return Future.join(undeploys);
        })
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

  private static String redactedRedis(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

}
