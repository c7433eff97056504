package dev.switchboard.support;

import java.util.Random;

/** Test files that look like what they claim to be. */
public final class Photos {

  private Photos() {
  }

  /** {@code n} random bytes after a JPEG's first bytes, so the type read from them is image/jpeg; the same seed gives the same bytes. */
  public static byte[] jpeg(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    b[0] = (byte) 0xFF;
    b[1] = (byte) 0xD8;
    b[2] = (byte) 0xFF;
    return b;
  }
}
