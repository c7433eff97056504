package dev.switchboard.media;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Signed, expiring media URLs ({@code /media/{id}?a=&e=&s=}) for {@code <img>}, {@code <audio>}
 * and {@code <video>}, which cannot send a bearer token. The signature is an HMAC-SHA256 of the
 * account, the media id and the expiry, keyed from the node's JWT secret, so every node of an
 * installation checks the others' links and nobody can forge or widen one.
 */
public final class MediaLinks {

  private final byte[] key;

  public MediaLinks(String jwtSecret) {
    // a key of its own, derived from the secret: a media signature is never a valid token signature
    this.key = hmac(jwtSecret.getBytes(StandardCharsets.UTF_8), "switchboard media links");
  }

  /** The path and query of a link to {@code mediaId} of {@code accountId} valid until {@code expiresEpochSecond}. */
  public String path(long accountId, long mediaId, long expiresEpochSecond) {
    return "/media/" + mediaId + "?a=" + accountId + "&e=" + expiresEpochSecond + "&s=" + sign(accountId, mediaId, expiresEpochSecond);
  }

  /** Whether {@code signature} is this node's for these values and has not expired at {@code nowEpochSecond}. */
  public boolean valid(long accountId, long mediaId, long expiresEpochSecond, String signature, long nowEpochSecond) {
    if (signature == null || expiresEpochSecond < nowEpochSecond) {
      return false;
    }
    byte[] expected = sign(accountId, mediaId, expiresEpochSecond).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
  }

  private String sign(long accountId, long mediaId, long expires) {
    byte[] mac = hmac(key, accountId + ":" + mediaId + ":" + expires);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
