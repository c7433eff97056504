package dev.switchboard.store;

import dev.switchboard.conversation.Views;
import dev.switchboard.support.TestDb;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The node's pools prepare long statements once per connection")
class PreparedStatementsTest {

  static TestDb db;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    db.drop();
  }

  @Test
  @DisplayName("the conversation view, which every conversation event selects, stays prepared after it ran")
  void conversationViewIsKept() throws Exception {
    String sql = Views.CONVERSATION_SELECT + " WHERE cv.id = ANY($1)";
    // longer than the client's own default limit, which is what made it a one-off statement
    assertThat(sql.length()).isGreaterThan(2_048).isLessThan(Db.PREPARED_SQL_LIMIT);
    Pool pool = Db.pool(vertx, db.url(), 1);
    long kept = pool.withConnection(conn -> conn.preparedQuery(sql).execute(Tuple.of((Object) new Long[] {1L}))
            .compose(v -> conn.preparedQuery(sql).execute(Tuple.of((Object) new Long[] {2L})))
            .compose(v -> conn.query("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%cv.needs_reply, cv.snoozed_until%'").execute())
            .map(rows -> rows.iterator().next().getLong(0)))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    pool.close();
    assertThat(kept).as("the view's statement prepared on the connection").isEqualTo(1);
  }
}
