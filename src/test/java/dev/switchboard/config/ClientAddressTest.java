package dev.switchboard.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The client address: the peer, or the rightmost untrusted X-Forwarded-For hop behind trusted proxies")
class ClientAddressTest {

  static final ClientAddress PROXIES = ClientAddress.parse("10.0.0.0/8 192.168.1.5,2001:db8::/32");

  @Test
  @DisplayName("an untrusted peer is the client whatever it forwards")
  void untrustedPeer() {
    assertThat(PROXIES.resolve("203.0.113.9", List.of("1.2.3.4"))).isEqualTo("203.0.113.9");
    assertThat(ClientAddress.PEER_ONLY.resolve("10.0.0.1", List.of("1.2.3.4"))).isEqualTo("10.0.0.1");
  }

  @Test
  @DisplayName("trusted hops are skipped from the right; the first untrusted one is the client; client-written hops left of it never count")
  void rightmostUntrusted() {
    assertThat(PROXIES.resolve("10.1.2.3", List.of("6.6.6.6, 203.0.113.9"))).isEqualTo("203.0.113.9");
    assertThat(PROXIES.resolve("10.1.2.3", List.of("6.6.6.6, 203.0.113.9, 192.168.1.5", "10.9.9.9"))).isEqualTo("203.0.113.9");
    assertThat(PROXIES.resolve("10.1.2.3", List.of("192.168.1.5"))).isEqualTo("192.168.1.5");
    assertThat(PROXIES.resolve("10.1.2.3", List.of())).isEqualTo("10.1.2.3");
    assertThat(PROXIES.resolve("2001:db8::1", List.of("2001:0db8:0:0::7, 2001:db9::1"))).isEqualTo("2001:db9::1");
    assertThat(PROXIES.resolve("::ffff:10.0.0.2", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
  }

  @Test
  @DisplayName("a hop that is not an address ends the walk at the nearest address a trusted proxy wrote; DNS is never asked")
  void junk() {
    assertThat(PROXIES.resolve("10.1.2.3", List.of("evil.example, 10.2.2.2"))).isEqualTo("10.2.2.2");
    assertThat(PROXIES.resolve("10.1.2.3", List.of("unknown"))).isEqualTo("10.1.2.3");
  }

  @Test
  @DisplayName("TRUSTED_PROXIES entries are addresses or ranges; anything else is refused")
  void parse() {
    assertThat(ClientAddress.parse(" ").resolve("10.0.0.1", List.of("1.1.1.1"))).isEqualTo("10.0.0.1");
    assertThat(ClientAddress.parse("0.0.0.0/0").resolve("8.8.8.8", List.of("1.1.1.1"))).isEqualTo("1.1.1.1");
    for (String bad : List.of("10.0.0.0/33", "proxy.internal", "10.0.0.0/x", "::/129")) {
      assertThatThrownBy(() -> ClientAddress.parse(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
    }
  }
}
