package dev.switchboard.http;

import dev.switchboard.common.Services;
import io.vertx.ext.web.Router;

/**
 * Routes a part outside the node's own adds to every HTTP server (the demo's {@code /simulator}),
 * found through {@link java.util.ServiceLoader}; each decides on the node's Vert.x whether it has
 * anything to mount.
 */
public interface ExtraRoutes {

  void mount(Router root, Services services);
}
