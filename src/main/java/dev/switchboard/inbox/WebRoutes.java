package dev.switchboard.inbox;

import dev.switchboard.config.Config;
import dev.switchboard.common.ApiException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

import java.nio.file.Path;

/**
 * Serves the web inbox (plain files, no build step) at {@code /}: from the jar's class path, or
 * from the folder {@code WEB_ROOT} names when it is set. Mounted last, after the API and the
 * bridge, so it only answers what nothing else claimed.
 */
public final class WebRoutes {

  /** Where the build puts {@code web/} on the class path (see the pom's resources). */
  public static final String CLASS_PATH_ROOT = "dev/switchboard/webroot";

  private final Config config;

  public WebRoutes(Config config) {
    this.config = config;
  }

  public void mount(Router root) {
    // the simulator's page sits under the inbox's files but exists only in demo mode, where
    // SimulatorRoutes, mounted earlier, serves it
    root.route("/simulator*").handler(ctx -> ctx.fail(ApiException.notFound("page")));
    // GET and HEAD only; anything else falls through to the 404
    root.route().handler(files(config, ""));
  }

  /**
   * The static files of {@code sub} ("" for the inbox): from the folder WEB_ROOT names (a developer
   * edits a page and reloads, no rebuild), else from the class path, so the jar serves its pages
   * from any working directory.
   */
  public static StaticHandler files(Config config, String sub) {
    StaticHandler files;
    if (config.webRoot() != null) {
      // WEB_ROOT may be relative (the working directory) or absolute (a deployment elsewhere)
      String dir = Path.of(config.webRoot(), sub).toAbsolutePath().normalize().toString();
      files = StaticHandler.create(FileSystemAccess.ROOT, dir).setFilesReadOnly(false);
    } else {
      // a relative root is looked up in the working directory first, then on the class path: the
      // package-like name keeps a folder of the user's from shadowing the jar's pages
      files = StaticHandler.create(FileSystemAccess.RELATIVE, sub.isEmpty() ? CLASS_PATH_ROOT : CLASS_PATH_ROOT + "/" + sub);
    }
    return files
        .setIndexPage("index.html")
        // a handful of small modules that change with each deploy and no build step to version
        // their names: no caching headers, so a reload always picks up the new page
        .setCachingEnabled(false)
        .setIncludeHidden(false);
  }
}
