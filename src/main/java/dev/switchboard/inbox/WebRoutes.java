package dev.switchboard.inbox;

import dev.switchboard.common.Services;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

import java.nio.file.Path;

/**
 * Serves the web inbox (plain files under {@code WEB_ROOT}, no build step) at {@code /}. Mounted
 * last, after the API and the bridge, so it only answers what nothing else claimed.
 */
public final class WebRoutes {

  private final Services s;

  public WebRoutes(Services s) {
    this.s = s;
  }

  public void mount(Router root) {
    // WEB_ROOT may be relative (the working directory) or absolute (a deployment elsewhere)
    String dir = Path.of(s.config().webRoot()).toAbsolutePath().normalize().toString();
    StaticHandler files = StaticHandler.create(FileSystemAccess.ROOT, dir)
        .setIndexPage("index.html")
        // a handful of small modules that change with each deploy and no build step to version
        // their names: no caching headers, so a reload always picks up the new page
        .setCachingEnabled(false)
        .setFilesReadOnly(false)
        .setIncludeHidden(false);
    // GET and HEAD only; anything else falls through to the 404
    root.route().handler(files);
  }
}
