package dev.switchboard.integrations;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Signing of outgoing webhooks: {@code v1=} and the hex HMAC-SHA256, keyed with the endpoint's
 * secret, of {@code <timestamp>.<raw body>}. The timestamp is signed so a receiver can refuse an
 * old delivery replayed to it.
 */
public final class Signatures {

  private static final SecureRandom RANDOM = new SecureRandom();
  static final String SECRET_PREFIX = "whsec_";

  private Signatures() {
  }

  /** A new signing secret: 256 random bits. */
  static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The hex HMAC-SHA256 of {@code timestamp + "." + body} under {@code secret} (its text, as shown to the admin). */
  public static String sign(String secret, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The header: {@code v1=<hex>}, and a second {@code v1=} with the previous secret while it rotates. */
  static String header(String secret, String previous, long timestamp, byte[] body) {
    String h = "v1=" + sign(secret, timestamp, body);
    return previous == null ? h : h + ",v1=" + sign(previous, timestamp, body);
  }
}
