package dev.switchboard.http;

import dev.switchboard.config.Config;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * Routes a part outside the node's own adds to every HTTP server (the demo's {@code /simulator}),
 * found through {@link java.util.ServiceLoader}; each decides on the node's Vert.x whether it has
 * anything to mount.
 */
public interface ExtraRoutes {

  void mount(Router root, Vertx vertx, Config config, Pool pool);
}
