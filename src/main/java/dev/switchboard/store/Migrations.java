package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Runs the Flyway migrations in {@code db/migration} once at start-up, off the event loop. */
public final class Migrations {

  private Migrations() {
  }

  public static Future<Integer> run(Vertx vertx, String databaseUrl) {
    return vertx.executeBlocking(() -> {
      Db.JdbcTarget target = Db.jdbc(databaseUrl);
      MigrateResult result = Flyway.configure()
          .dataSource(target.url(), target.user(), target.password())
          .locations("classpath:db/migration")
          .connectRetries(0)
          .load()
          .migrate();
      return result.migrationsExecuted;
    });
  }
}
