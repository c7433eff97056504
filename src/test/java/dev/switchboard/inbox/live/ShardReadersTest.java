package dev.switchboard.inbox.live;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("the fan-out's hash slots")
class ShardReadersTest {

  @Test
  @DisplayName("a key's slot is Redis Cluster's: CRC16 of its hash tag, or of the key without one (values from CLUSTER KEYSLOT)")
  void slotsAsRedisComputesThem() {
    assertThat(ClusterSlots.slot("events:{p3}")).isEqualTo(3689);
    assertThat(ClusterSlots.slot("sb:events:{p3}:bell")).isEqualTo(3689);
    assertThat(ClusterSlots.slot("foo")).isEqualTo(12182);
    // an empty tag is no tag: the whole key is hashed
    assertThat(ClusterSlots.slot("a{}b")).isEqualTo(13694);
  }
}
