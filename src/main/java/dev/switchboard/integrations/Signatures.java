package dev.switchboard.integrations;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signing of outgoing webhooks: {@code v1=} and the hex HMAC-SHA256, keyed with the endpoint's
 * secret, of {@code <timestamp>.<raw body>}. The timestamp is signed so a receiver can refuse an
 * old delivery replayed to it.
 */
public final class Signatures {

  private static final SecureRandom RANDOM = new SecureRandom();
  static final String SECRET_PREFIX = "whsec_";
  private static final int KEYED_MAX = 10_000;
  /** Secret → a Mac keyed with it, see {@link #keyed}. */
  private static final Map<String, Mac> KEYED = new ConcurrentHashMap<>();

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
      Mac mac = (Mac) keyed(secret).clone();
      mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A Mac keyed with {@code secret}, never used itself: each signature works on a clone, which
   * skips the provider lookup and key setup a delivery would otherwise pay. An endpoint's secrets
   * are few and reused for every delivery; the cache is emptied when it grows past
   * {@link #KEYED_MAX} (rotated-away secrets).
   */
  private static Mac keyed(String secret) {
    Mac mac = KEYED.get(secret);
    if (mac != null) {
      return mac;
    }
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    if (KEYED.size() >= KEYED_MAX) {
      KEYED.clear();
    }
    KEYED.put(secret, mac);
    return mac;
  }

  /** The header: {@code v1=<hex>}, and a second {@code v1=} with the previous secret while it rotates. */
  static String header(String secret, String previous, long timestamp, byte[] body) {
    String h = "v1=" + sign(secret, timestamp, body);
    return previous == null ? h : h + ",v1=" + sign(previous, timestamp, body);
  }
}
