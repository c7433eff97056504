package dev.switchboard.integrations;

import dev.switchboard.common.ApiException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSRF rules of outgoing webhooks: https to public addresses only, unless private ones are allowed. */
class UrlGuardTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void privateLoopbackAndLinkLocalAddressesAreRefused() {
    for (String url : new String[] {"https://127.0.0.1/x", "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data", "https://[::1]/", "https://[fd00::1]/", "https://[::ffff:127.0.0.1]/",
        "https://100.64.0.1/", "https://0.0.0.0/", "https://localhost:8443/hook"}) {
      ApiException e = assertThrows(ApiException.class,
          () -> UrlGuard.resolve(vertx, UrlGuard.parse(url, false), false).await(), url);
      assertEquals("private_address", e.code(), url);
      assertEquals(422, e.status());
    }
  }

  @Test
  void publicAddressesPass() throws Exception {
    assertTrue(UrlGuard.isPublic(InetAddress.getByName("93.184.216.34")));
    assertTrue(UrlGuard.isPublic(InetAddress.getByName("2606:2800:220:1:248:1893:25c8:1946")));
    assertFalse(UrlGuard.isPublic(InetAddress.getByName("198.18.0.1")));
    URI uri = UrlGuard.parse("https://93.184.216.34:8443/hook", false);
    assertEquals("93.184.216.34", UrlGuard.resolve(vertx, uri, false).await().getHostAddress());
    assertEquals(8443, UrlGuard.port(uri));
  }

  @Test
  void ipv6AddressesCarryingAnIpv4AddressAreJudgedByIt() throws Exception {
    // each pair: the IPv6 form of a private (or loopback) IPv4 address, then of a public one
    String[][] pairs = {
        {"::7f00:1", "::5db8:d822"},                              // IPv4-compatible 127.0.0.1 / 93.184.216.34
        {"64:ff9b::a00:1", "64:ff9b::5db8:d822"},                 // NAT64 10.0.0.1 / 93.184.216.34
        {"64:ff9b::a9fe:a9fe", "64:ff9b::808:808"},               // NAT64 169.254.169.254 / 8.8.8.8
        {"2002:c0a8:101::1", "2002:5db8:d822::1"},                // 6to4 192.168.1.1 / 93.184.216.34
        {"2001:0:5db8:d822::80ff:fffe", "2001:0:5db8:d822::a247:27dd"}, // Teredo client 127.0.0.1 / 93.184.216.34
        {"2001:0:a00:1::a247:27dd", "2001:0:808:808::a247:27dd"},  // Teredo server 10.0.0.1 / 8.8.8.8
    };
    for (String[] pair : pairs) {
      assertFalse(UrlGuard.isPublic(InetAddress.getByName(pair[0])), pair[0]);
      assertTrue(UrlGuard.isPublic(InetAddress.getByName(pair[1])), pair[1]);
    }
    // a local-use NAT64 prefix says nothing of where its translator sends the address
    assertFalse(UrlGuard.isPublic(InetAddress.getByName("64:ff9b:1::5db8:d822")));
    // ::ffff:a.b.c.d kept as an IPv6 address (Java turns the text form into IPv4 by itself)
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 10;
    mapped[15] = 1;
    assertFalse(UrlGuard.isPublic(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    mapped[12] = 93;
    assertTrue(UrlGuard.isPublic(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    ApiException e = assertThrows(ApiException.class,
        () -> UrlGuard.resolve(vertx, UrlGuard.parse("https://[64:ff9b::7f00:1]/hook", false), false).await());
    assertEquals("private_address", e.code());
  }

  @Test
  void onlyHttpsUnlessPrivateAddressesAreAllowed() {
    assertEquals("invalid_url", assertThrows(ApiException.class, () -> UrlGuard.parse("http://example.com/", false)).code());
    assertEquals("invalid_url", assertThrows(ApiException.class, () -> UrlGuard.parse("https://u:p@example.com/", false)).code());
    assertEquals("invalid_url", assertThrows(ApiException.class, () -> UrlGuard.parse("https://x/" + "a".repeat(2048), false)).code());
    assertEquals("http", UrlGuard.parse("http://127.0.0.1:9/x", true).getScheme());
    assertEquals("127.0.0.1", UrlGuard.resolve(vertx, UrlGuard.parse("http://127.0.0.1:9/x", true), true).await().getHostAddress());
  }
}
