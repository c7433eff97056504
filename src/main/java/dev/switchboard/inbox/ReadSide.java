package dev.switchboard.inbox;

import dev.switchboard.common.Principal;
import dev.switchboard.common.Services;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.function.Function;

/**
 * A read part of the inbox (lists, counts, search, export) built twice: on the primary and on
 * the read pool ({@code DATABASE_READ_URL}); {@link #forCaller} picks the primary for a caller
 * who changed something within {@code READ_YOUR_WRITES_MS}, the read pool otherwise.
 */
public final class ReadSide<T> {

  private final Services s;
  private final T primary;
  private final T replica;

  public ReadSide(Services s, Function<Services, T> build) {
    this.s = s;
    this.primary = build.apply(s);
    this.replica = s.replicas().enabled() ? build.apply(s.onPool(s.replicas().readPool())) : primary;
  }

  public Future<T> forCaller(Principal p) {
    if (replica == primary) {
      return Future.succeededFuture(primary);
    }
    return s.replicas().forCaller(caller(p)).map(pool -> pool == s.pool() ? primary : replica);
  }

  /** The pool itself, for a part that runs its own statements (the export's cursor). */
  public static Future<Pool> poolForCaller(Services s, Principal p) {
    return s.replicas().forCaller(caller(p));
  }

  static String caller(Principal p) {
    return p.isApiKey() ? "k" + p.apiKeyId() : "u" + p.userId();
  }

  /**
   * Records every API change that succeeds (any method but GET, HEAD and OPTIONS; the export is
   * a POST that only reads), before its answer leaves, so the caller's next read finds it.
   */
  public static Handler<RoutingContext> recordWrites(Services s) {
    return ctx -> {
      HttpMethod m = ctx.request().method();
      if (s.replicas().enabled() && m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS
          && !ctx.request().path().endsWith("/conversations/export")) {
        Principal p = Principal.of(ctx);
        ctx.addHeadersEndHandler(v -> {
          if (ctx.response().getStatusCode() < 400) {
            s.replicas().wrote(caller(p));
          }
        });
      }
      ctx.next();
    };
  }
}
