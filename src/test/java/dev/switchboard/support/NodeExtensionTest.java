package dev.switchboard.support;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("NodeExtension starts a class's database, fake, node and client, and closes them all")
class NodeExtensionTest {

  @Test
  @DisplayName("a node that fails to start leaves nothing behind: the fake, the Vert.x and the database are closed at once")
  void setupFailingHalfWay() {
    NodeExtension env = NodeExtension.builder().graph()
        // nothing listens on port 1: the node's start fails after the database and the fake are up
        .settings(new JsonObject().put("REDIS_URL", "redis://127.0.0.1:1")).build();
    assertThatThrownBy(() -> env.beforeAll(null)).isInstanceOf(RuntimeException.class);
    assertThat(env.node()).isNull();
    assertThatThrownBy(() -> env.db().connect().close()).isInstanceOf(SQLException.class).hasMessageContaining("does not exist");
    int graphPort = URI.create(env.graph().url()).getPort();
    assertThatThrownBy(() -> new Socket("127.0.0.1", graphPort).close()).as("the fake no longer listens").isInstanceOf(ConnectException.class);
  }

  @Test
  @DisplayName("a full start serves requests; afterAll stops the node and drops the database")
  void fullCycle() throws Exception {
    NodeExtension env = NodeExtension.builder().graph().account("Cycle").build();
    env.beforeAll(null);
    try {
      assertThat(env.http().get("/health").status()).isEqualTo(200);
      assertThat(env.node().config.graphApiUrl()).isEqualTo(env.graph().url());
      assertThat(Seed.scalar(env.db(), "SELECT count(*) FROM accounts WHERE id = ?", env.account().accountId())).isEqualTo(1);
    } finally {
      env.afterAll(null);
    }
    assertThatThrownBy(() -> env.db().connect().close()).isInstanceOf(SQLException.class).hasMessageContaining("does not exist");
  }
}
