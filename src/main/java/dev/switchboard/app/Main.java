package dev.switchboard.app;

import dev.switchboard.demo.DemoMain;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code java -jar target/switchboard.jar}: loads the config, starts one node, stops it on SIGTERM. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo")) { DemoMain.main(java.util.Arrays.copyOfRange(args, 1, args.length)); return; }
    Config config;
    try {
      config = Config.load();
    } catch (Config.ConfigException e) {
      System.err.println("switchboard: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = newVertx(registry);
    Node.start(vertx, config, registry, Clock.systemUTC())
        .onSuccess(node -> {
          LOG.info("switchboard node {} listening on port {}", config.nodeId(), node.port());
          AtomicBoolean stopped = new AtomicBoolean();
          Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) {
              return;
            }
            LOG.info("stopping: finishing in-flight work");
            try {
              node.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
              vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
              LOG.warn("shutdown did not finish cleanly: {}", e.toString());
            }
          };
          Runtime.getRuntime().addShutdownHook(new Thread(stop, "switchboard-shutdown"));
          // SIGTERM is a supervisor's ordinary "please stop": stop gracefully, then exit 0. Left to the
          // JVM's default the hook above still runs, but the process exits 143, which systemd,
          // Kubernetes and docker report as a failure.
          try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> new Thread(() -> {
              stop.run();
              System.exit(0);
            }, "switchboard-sigterm").start());
          } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("SIGTERM handler not installed ({}); the shutdown hook stops the node", e.toString());
          }
        })
        .onFailure(err -> {
          String message = err instanceof Node.StartupException ? err.getMessage() : Node.oneLine(err);
          System.err.println("switchboard: cannot start: " + message);
          vertx.close().onComplete(v -> System.exit(1));
        });
  }

  /** A Vert.x instance whose metrics go to the given Prometheus registry. */
  public static Vertx newVertx(PrometheusMeterRegistry registry) {
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
  }
}
