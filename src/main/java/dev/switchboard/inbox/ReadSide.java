package dev.switchboard.inbox;

import dev.switchboard.store.Replicas;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Principal;
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

  private final Pool primaryPool;
  private final Replicas replicas;
  private final T primary;
  private final T replica;

  public ReadSide(Transactions tx, Replicas replicas, Function<Transactions, T> build) {
    this.primaryPool = tx.pool();
    this.replicas = replicas;
    this.primary = build.apply(tx);
    this.replica = replicas.enabled() ? build.apply(tx.onPool(replicas.readPool())) : primary;
  }

  public Future<T> forCaller(Principal p) {
    if (replica == primary) {
      return Future.succeededFuture(primary);
    }
    return replicas.forCaller(caller(p)).map(pool -> pool == primaryPool ? primary : replica);
  }

  /** The pool itself, for a part that runs its own statements (the export's cursor). */
  public static Future<Pool> poolForCaller(Replicas replicas, Principal p) {
    return replicas.forCaller(caller(p));
  }

  static String caller(Principal p) {
    return p.isApiKey() ? "k" + p.apiKeyId() : "u" + p.userId();
  }

  /**
   * Records every API change that succeeds (any method but GET, HEAD and OPTIONS; the export is
   * a POST that only reads), before its answer leaves, so the caller's next read finds it.
   */
  public static Handler<RoutingContext> recordWrites(Replicas replicas) {
    return ctx -> {
      HttpMethod m = ctx.request().method();
      if (replicas.enabled() && m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS
          && !ctx.request().path().endsWith("/conversations/export")) {
        Principal p = Principal.of(ctx);
        ctx.addHeadersEndHandler(v -> {
          if (ctx.response().getStatusCode() < 400) {
            replicas.wrote(caller(p));
          }
        });
      }
      ctx.next();
    };
  }
}
