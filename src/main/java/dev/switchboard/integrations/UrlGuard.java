package dev.switchboard.integrations;

import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where an outgoing webhook may go: {@code https} to a public address. The URL is checked when an
 * endpoint is registered, and its host is resolved and checked again before every round of
 * deliveries, which then connect to exactly the address checked, so a name that resolves elsewhere later (DNS
 * rebinding) cannot reach the node's own network. {@code OUTGOING_WEBHOOKS_ALLOW_PRIVATE} lifts
 * both rules, for development and tests.
 */
public final class UrlGuard {

  static final int URL_MAX = 2048;

  private UrlGuard() {
  }

  /** The URL, parsed; 422 {@code invalid_url} unless it is absolute https (or http when private ones are allowed). */
  public static URI parse(String raw, boolean allowPrivate) {
    if (raw == null || raw.isBlank() || raw.length() > URL_MAX) {
      throw ApiException.unprocessable("invalid_url", "url must be an absolute https URL of at most " + URL_MAX + " characters");
    }
    URI uri;
    try {
      uri = new URI(raw.trim());
    } catch (URISyntaxException e) {
      throw ApiException.unprocessable("invalid_url", "url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"https".equals(scheme) && !(allowPrivate && "http".equals(scheme))) {
      throw ApiException.unprocessable("invalid_url", "url must use https");
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      throw ApiException.unprocessable("invalid_url", "url must name a host, without credentials or fragment");
    }
    return uri;
  }

  /** The port a URL reaches. */
  static int port(URI uri) {
    return uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /**
   * Resolves the host (off the event loop) and answers the address to connect to; fails with 422
   * {@code private_address} when any of its addresses is not public, {@code unresolvable_host} when
   * it has none.
   */
  public static Future<InetAddress> resolve(Vertx vertx, URI uri, boolean allowPrivate) {
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    return vertx.executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        throw ApiException.unprocessable("unresolvable_host", "the host " + host + " does not resolve");
      }
      if (!allowPrivate) {
        for (InetAddress a : all) {
          if (!isPublic(a)) {
            throw ApiException.unprocessable("private_address",
                "the host " + host + " resolves to " + a.getHostAddress() + ", which is not a public address");
          }
        }
      }
      return all[0];
    }, false);
  }

  /**
   * False for loopback, private, link-local, shared (CGNAT), unspecified, multicast and
   * unique-local addresses. An IPv6 address that carries an IPv4 one (IPv4-mapped and
   * -compatible, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}, Teredo {@code 2001::/32})
   * reaches that IPv4 host through a translator or relay, so it is public only when the IPv4
   * address is.
   */
  static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      // 0.0.0.0/8, 100.64.0.0/10 (shared), 192.0.0.0/24, 198.18.0.0/15 (benchmarks), 240.0.0.0/4
      return first != 0 && !(first == 100 && second >= 64 && second < 128) && !(first == 192 && second == 0 && (b[2] & 0xff) == 0)
          && !(first == 198 && (second == 18 || second == 19)) && first < 240;
    }
    if (a instanceof Inet6Address) {
      // fc00::/7 unique local
      if ((b[0] & 0xfe) == 0xfc) {
        return false;
      }
      if (zero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || zero(b, 10, 12))) {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 are answered above)
        return isPublic4(b[12], b[13], b[14], b[15]);
      }
      if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
        if (zero(b, 4, 12)) {
          // the well-known NAT64 prefix 64:ff9b::/96 (RFC 6052)
          return isPublic4(b[12], b[13], b[14], b[15]);
        }
        // 64:ff9b:1::/48 is for a local translator (RFC 8215), whose prefix length (so where the
        // IPv4 address sits) is its operator's: never a public destination; the rest of
        // 64:ff9b::/32 is reserved
        return false;
      }
      if (b[0] == 0x20 && b[1] == 0x02) {
        // 6to4: 2002:AABB:CCDD::/48 relays to AA.BB.CC.DD (RFC 3056)
        return isPublic4(b[2], b[3], b[4], b[5]);
      }
      if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
        // Teredo 2001:0::/32: the server's IPv4 address, then the client's, inverted (RFC 4380)
        return isPublic4(b[4], b[5], b[6], b[7])
            && isPublic4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]);
      }
    }
    return true;
  }

  private static boolean isPublic4(byte b0, byte b1, byte b2, byte b3) {
    try {
      return isPublic(InetAddress.getByAddress(new byte[] {b0, b1, b2, b3}));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean zero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
