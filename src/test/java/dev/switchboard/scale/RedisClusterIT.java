package dev.switchboard.scale;

import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisModesBase} on a Redis Cluster of six processes (three masters, three replicas). */
@DisplayName("the live log and timers on a Redis Cluster")
class RedisClusterIT extends RedisModesBase {

  @RegisterExtension
  static final Requires TOOL = RedisTopology.REQUIRED;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  @BeforeAll
  static void startCluster() {
    start(env, RedisTopology.Cluster.start());
  }

  @Test
  @Order(3)
  @DisplayName("a master killed mid-burst of 5,000 webhooks: both pages get every message.created once (pushed or replayed), timers fire once, push resumes within 5 s of the promotion")
  void masterKilledMidBurstTest() throws Exception {
    masterKilledMidBurst();
  }
}
