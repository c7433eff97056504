package dev.switchboard.ingress;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * Checks Meta's {@code X-Hub-Signature-256: sha256=<hex>} over the exact request bytes, in
 * constant time. One instance per event loop (a {@link Mac} is not thread-safe); a request's
 * body is hashed as it streams in through its own {@link Check}.
 */
public final class Signatures {

  private static final String PREFIX = "sha256=";

  private final Mac mac;

  /** @param appSecret null: every signature is refused */
  public Signatures(String appSecret) {
    if (appSecret == null || appSecret.isEmpty()) {
      this.mac = null;
      return;
    }
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      this.mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public boolean valid(byte[] body, String header) {
    Check check = start();
    check.update(body, 0, body.length);
    return check.matches(header);
  }

  /** A check for one request: feed it the body's chunks as they arrive, then ask {@link Check#matches}. */
  public Check start() {
    if (mac == null) {
      return new Check(null);
    }
    try {
      return new Check((Mac) mac.clone());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("HmacSHA256 cannot be cloned", e);
    }
  }

  /** The HMAC of one body so far; nothing of the body is kept. */
  public static final class Check {
    private final Mac mac;

    private Check(Mac mac) {
      this.mac = mac;
    }

    public void update(byte[] bytes, int offset, int length) {
      if (mac != null) {
        mac.update(bytes, offset, length);
      }
    }

    /** True when {@code header} is {@code sha256=<hex>} of every byte fed so far. */
    public boolean matches(String header) {
      if (mac == null || header == null) {
        return false;
      }
      String h = header.trim();
      if (!h.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
        return false;
      }
      byte[] given = parseHex(h.substring(PREFIX.length()));
      // MessageDigest.isEqual does not stop at the first differing byte
      return given != null && MessageDigest.isEqual(mac.doFinal(), given);
    }
  }

  private static byte[] parseHex(String hex) {
    if (hex.length() != 64) {
      return null;
    }
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
