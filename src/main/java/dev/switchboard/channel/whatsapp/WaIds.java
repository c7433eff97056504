package dev.switchboard.channel.whatsapp;

import java.util.regex.Pattern;

/**
 * The ids a WhatsApp customer comes with, checked before they key anything: a phone
 * ({@code wa_id}, digits), a business-scoped user id (BSUID: a two-letter country code, a dot,
 * up to 128 letters and digits; a parent BSUID has {@code ENT.} after the country code) and a
 * username (shown, never a key, since the user can change it).
 */
public final class WaIds {

  private static final Pattern BSUID = Pattern.compile("[A-Za-z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]{1,128}");
  private static final Pattern PHONE = Pattern.compile("[0-9]{5,20}");
  private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}._-]{1,64}");

  private WaIds() {
  }

  public static boolean isBsuid(String s) {
    return s != null && BSUID.matcher(s).matches();
  }

  public static boolean isPhone(String s) {
    return s != null && PHONE.matcher(s).matches();
  }

  /** The username without its leading {@code @}, or null when absent or not a plausible username. */
  public static String username(String raw) {
    if (raw == null) {
      return null;
    }
    String u = raw.strip();
    if (u.startsWith("@")) {
      u = u.substring(1);
    }
    return USERNAME.matcher(u).matches() ? u : null;
  }
}
