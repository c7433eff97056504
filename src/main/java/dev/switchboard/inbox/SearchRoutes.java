package dev.switchboard.inbox;

import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Services;
import dev.switchboard.conversation.SearchService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /search?q=}: phone, name or platform user id; answers conversations. */
public final class SearchRoutes {

  private final SearchService search;

  public SearchRoutes(Services s) {
    this.search = new SearchService(s);
  }

  public void mount(Router api) {
    api.get("/search").handler(this::search);
  }

  private void search(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, search.search(p.accountId(), p.userId(), ctx.queryParams().get("q"), Bodies.limit(ctx)));
  }
}
