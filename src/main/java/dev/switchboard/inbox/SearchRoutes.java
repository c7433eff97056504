package dev.switchboard.inbox;

import dev.switchboard.config.Config;
import dev.switchboard.store.Replicas;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.http.Bodies;
import dev.switchboard.conversation.SearchService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /search?q=}: phone, name or platform user id; answers conversations. */
public final class SearchRoutes {

  private final ReadSide<SearchService> search;

  public SearchRoutes(Transactions tx, Replicas replicas, Config.Inbox config) {
    this.search = new ReadSide<>(tx, replicas, t -> new SearchService(t, config));
  }

  public void mount(Router api) {
    api.get("/search").handler(this::search);
  }

  private void search(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    String q = ctx.queryParams().get("q");
    int limit = Bodies.limit(ctx);
    Reply.ok(ctx, search.forCaller(p).compose(on -> on.search(p.accountId(), p.userId(), q, limit)));
  }
}
