package dev.switchboard.config;

import java.util.ArrayList;
import java.util.List;

/** The checks on how Redis is reached that span several settings (mode, endpoints, master name). */
final class RedisSettings {

  static final List<String> MODES = List.of("standalone", "sentinel", "cluster");

  private RedisSettings() {
  }

  static List<String> problems(String mode, String urls, String masterName, String prefix) {
    List<String> errors = new ArrayList<>();
    if (prefix != null && (prefix.contains("{") || prefix.contains("}"))) {
      // a brace would become the key's hash tag and put every key in one Redis Cluster slot
      errors.add("REDIS_PREFIX must not contain { or }, got '" + prefix + "'");
    }
    if (!MODES.contains(mode)) {
      errors.add("REDIS_MODE must be standalone, sentinel or cluster, got '" + mode + "'");
      return errors;
    }
    if (urls != null) {
      String[] parts = urls.split(",", -1);
      for (String part : parts) {
        String p = part.trim();
        if (!(p.startsWith("redis://") || p.startsWith("rediss://")) || p.length() <= "rediss://".length()) {
          errors.add("REDIS_URL must be a comma-separated list of redis:// URLs, got '" + p + "'");
        }
      }
      if ("standalone".equals(mode) && parts.length > 1) {
        errors.add("REDIS_URL names " + parts.length + " servers but REDIS_MODE is standalone (set sentinel or cluster)");
      }
    }
    if ("sentinel".equals(mode) && (masterName == null || masterName.isBlank())) {
      errors.add("REDIS_MASTER_NAME must be set when REDIS_MODE is sentinel (the name the sentinels monitor, e.g. mymaster)");
    }
    return errors;
  }
}
