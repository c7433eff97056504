package dev.switchboard.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisSettingsTest {

  @Test
  void standaloneIsTheDefault() {
    Config c = Config.load(null, Map.of("REDIS_URL", "redis://127.0.0.1:6379"), new JsonObject());
    assertThat(c.store().redisMode()).isEqualTo("standalone");
    assertThat(c.events().logPartitions()).isEqualTo(16);
  }

  @Test
  void sentinelAndClusterTakeEndpointLists() {
    Config s = Config.load(null, Map.of("REDIS_MODE", "sentinel", "REDIS_MASTER_NAME", "mymaster",
        "REDIS_URL", "redis://10.0.0.1:26379,redis://10.0.0.2:26379, redis://10.0.0.3:26379"), new JsonObject());
    assertThat(s.store().redisMasterName()).isEqualTo("mymaster");
    Config c = Config.load(null, Map.of("REDIS_MODE", "cluster", "REDIS_URL", "redis://a:7000,redis://b:7001",
        "REDIS_LOG_PARTITIONS", "32"), new JsonObject());
    assertThat(c.events().logPartitions()).isEqualTo(32);
  }

  @Test
  void badCombinationsAreNamed() {
    assertThatThrownBy(() -> Config.load(null, Map.of("REDIS_MODE", "sentinel", "REDIS_URL", "redis://a:26379"), new JsonObject()))
        .hasMessageContaining("REDIS_MASTER_NAME must be set when REDIS_MODE is sentinel");
    assertThatThrownBy(() -> Config.load(null, Map.of("REDIS_URL", "redis://a:6379,redis://b:6379"), new JsonObject()))
        .hasMessageContaining("REDIS_MODE is standalone");
    assertThatThrownBy(() -> Config.load(null, Map.of("REDIS_MODE", "cluster", "REDIS_URL", "redis://a:7000,b:7001"), new JsonObject()))
        .hasMessageContaining("REDIS_URL must be a comma-separated list of redis:// URLs, got 'b:7001'");
    assertThatThrownBy(() -> Config.load(null, Map.of("REDIS_MODE", "replicated"), new JsonObject()))
        .hasMessageContaining("REDIS_MODE must be standalone, sentinel or cluster");
    assertThatThrownBy(() -> Config.load(null, Map.of("REDIS_PREFIX", "sb{1}:"), new JsonObject()))
        .hasMessageContaining("REDIS_PREFIX must not contain { or }");
  }
}
