package dev.switchboard.launch;

import dev.switchboard.config.Config;
import dev.switchboard.embedded.EmbeddedServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Starts a node for a command that runs one beside something of its own (the demo's simulator).
 * The app provides it through {@link ServiceLoader}, so such a command needs no import of the app.
 */
public interface Launcher {

  /** The settings that point a node at {@code servers}, and keep its JWT secret in {@code dataDir}. */
  JsonObject embeddedSettings(EmbeddedServers servers, Path dataDir, Config configured);

  /**
   * Creates Vert.x, runs {@code beforeNode} on it, and starts the node; on failure stops whatever
   * it started, {@code servers} included, and throws ({@link StartupException}: one line).
   */
  Running start(EmbeddedServers servers, Config config, Function<Vertx, Future<?>> beforeNode);

  /** The launcher on the class path. */
  static Launcher find() {
    return ServiceLoader.load(Launcher.class).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + Launcher.class.getName() + " on the class path"));
  }
}
