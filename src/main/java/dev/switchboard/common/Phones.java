package dev.switchboard.common;

/**
 * Phone numbers as WhatsApp identifies people: E.164 digits without the plus ({@code wa_id}).
 * Accepts the common ways people write a number with its country code: {@code +1 (415) 555-0123},
 * {@code 00 44 20 7946 0958}, {@code +49-30-1234567}, {@code 14155550123}.
 */
public final class Phones {

  private Phones() {
  }

  /** The digits, or null when {@code raw} is not a phone number with a country code. */
  public static String normalize(String raw) {
    if (raw == null) {
      return null;
    }
    String s = raw.trim();
    if (s.isEmpty()) {
      return null;
    }
    StringBuilder digits = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (c == '+' && i == 0) {
        continue;
      } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/' && c != '\u00a0') {
        return null;
      }
    }
    String d = digits.toString();
    if (s.startsWith("00")) {
      d = d.substring(2);
    }
    // E.164: at most 15 digits; country code plus subscriber number is at least 8 in practice
    if (d.length() < 8 || d.length() > 15 || d.charAt(0) == '0') {
      return null;
    }
    return d;
  }

  /**
   * The digits of a number an agent types for a new contact: only with its country code marked
   * by a leading {@code +} or {@code 00}. "4155550999" is refused, since the digits alone cannot
   * say whether 415 is a country code or an area code, and WhatsApp would never reach that guess.
   */
  public static String withCountryCode(String raw) {
    String s = raw == null ? "" : raw.trim();
    return s.startsWith("+") || s.startsWith("00") ? normalize(s) : null;
  }

  /** What an agent is told when a number lacks its country code. */
  public static final String COUNTRY_CODE_HINT =
      "the number needs its country code, starting with + or 00, like +1 415 555 0123 or 0044 20 7946 0958";

  /** What an agent is told when a number with its country code marked is still not a phone number. */
  public static final String NOT_A_NUMBER_HINT =
      "this is not a phone number: with its country code it has 8 to 15 digits (no 0 right after the + or 00), "
          + "and only spaces, dashes, dots, slashes and brackets between them";

  /** Why {@link #withCountryCode} refused {@code raw}: the country code is missing, or the number is not one. */
  public static String refusal(String raw) {
    String s = raw == null ? "" : raw.trim();
    return s.startsWith("+") || s.startsWith("00") ? NOT_A_NUMBER_HINT : COUNTRY_CODE_HINT;
  }

  /** Whether {@code q} looks like a phone number (digits with phone punctuation), as search reads it. */
  public static boolean looksLikePhone(String q) {
    return q != null && q.trim().matches("\\+?[\\d\\s().\\-/\u00a0]{6,}") && q.chars().filter(Character::isDigit).count() >= 6;
  }
}
