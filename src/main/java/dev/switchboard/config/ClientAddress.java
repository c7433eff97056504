package dev.switchboard.config;

import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The client address a request is counted against (sign-in throttles, the bridge's anonymous
 * cap). It is the TCP peer, unless the peer is one of {@code TRUSTED_PROXIES}: then
 * {@code X-Forwarded-For} is read from the right, skipping the trusted hops, and the first hop
 * that is not trusted is the client. Everything left of that hop was written by the client and
 * is never believed, so a client cannot pick the address its failures are counted against.
 */
public final class ClientAddress {

  /** An address range: the network's bytes (4 or 16) and how many leading bits must match. */
  record Cidr(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[whole] & mask) == (network[whole] & mask);
    }
  }

  /** Only the peer: no proxy is trusted. */
  public static final ClientAddress PEER_ONLY = new ClientAddress(List.of());

  private final List<Cidr> trusted;

  private ClientAddress(List<Cidr> trusted) {
    this.trusted = trusted;
  }

  /**
   * Parses {@code TRUSTED_PROXIES}: addresses or CIDR ranges, IPv4 or IPv6, separated by commas
   * or spaces. Null or blank trusts no proxy. Throws {@link IllegalArgumentException} naming the
   * first entry that is not one.
   */
  public static ClientAddress parse(String list) {
    if (list == null || list.isBlank()) {
      return PEER_ONLY;
    }
    List<Cidr> out = new ArrayList<>();
    for (String entry : list.trim().split("[,\\s]+")) {
      int slash = entry.indexOf('/');
      byte[] network = bytes(slash < 0 ? entry : entry.substring(0, slash));
      if (network == null) {
        throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range");
      }
      int bits = network.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > network.length * 8) {
          throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0.." + network.length * 8);
        }
      }
      out.add(new Cidr(network, bits));
    }
    return new ClientAddress(List.copyOf(out));
  }

  /** The client's address for a request or socket with this peer and these headers. */
  public String of(SocketAddress peer, MultiMap headers) {
    String host = peer == null || peer.host() == null ? "unknown" : peer.host();
    return resolve(host, headers == null ? List.of() : headers.getAll("X-Forwarded-For"));
  }

  String resolve(String peer, List<String> forwardedFor) {
    if (trusted.isEmpty() || !isTrusted(bytes(peer))) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      Arrays.stream(header.split(",")).map(String::trim).filter(h -> !h.isEmpty()).forEach(hops::add);
    }
    String nearest = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      byte[] hop = bytes(hops.get(i));
      if (hop == null) {
        // a trusted proxy writes addresses; anything else came from the client, so the last
        // address a trusted proxy vouched for is the most that is known
        return nearest;
      }
      nearest = NetUtil.bytesToIpAddress(hop);
      if (!isTrusted(hop)) {
        return nearest;
      }
    }
    return nearest;
  }

  private boolean isTrusted(byte[] address) {
    if (address == null) {
      return false;
    }
    for (Cidr c : trusted) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** An address literal's bytes (4 for IPv4, IPv4-mapped IPv6 included; else 16); null when it is not one. Never asks DNS. */
  static byte[] bytes(String literal) {
    if (literal == null) {
      return null;
    }
    String s = literal.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
    if (b != null && b.length == 16 && isV4Mapped(b)) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    return b;
  }

  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
  }
}
