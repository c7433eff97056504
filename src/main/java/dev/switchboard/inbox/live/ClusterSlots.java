package dev.switchboard.inbox.live;

import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Redis Cluster's hash slots: the slot of a key, and the servers a CLUSTER SLOTS answer gives a slot. */
final class ClusterSlots {

  private ClusterSlots() {
  }

  /** The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag, or of the key without one. */
  static int slot(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        key = key.substring(open + 1, close);
      }
    }
    int crc = 0;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc % 16_384;
  }

  /** The addresses serving {@code slot} in a CLUSTER SLOTS answer: its master first, then its replicas. */
  static List<String> nodesOf(Response map, int slot, String ownHost) {
    List<String> out = new ArrayList<>();
    for (Response range : map) {
      if (range.get(0).toInteger() <= slot && slot <= range.get(1).toInteger()) {
        for (int i = 2; i < range.size(); i++) {
          String host = range.get(i).get(0).toString();
          if (host.isEmpty() || "?".equals(host)) {
            // a node that does not know its own address answers as the one the node was given
            host = ownHost;
          }
          out.add((host.contains(":") ? "[" + host + "]" : host) + ":" + range.get(i).get(1).toInteger());
        }
        return out;
      }
    }
    return out;
  }
}
