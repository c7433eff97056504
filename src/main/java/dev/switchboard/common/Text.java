package dev.switchboard.common;

import java.text.Normalizer;

/**
 * The one check for text people type into the product: names, labels, notes. Text is
 * NFC-normalised (so "é" typed two ways is one label), trimmed of Unicode white space, refused
 * when nothing visible is left (white space, zero-width and other format characters only) or when
 * it holds control characters, and bounded in code points. Failures are 422 naming the field.
 */
public final class Text {

  /** Agent, team, channel, contact and saved-reply names. */
  public static final int NAME_MAX = 200;
  /** Label names. */
  public static final int LABEL_MAX = 64;
  /** Private notes (replies are bounded by their platform). */
  public static final int NOTE_MAX = 4096;

  private Text() {
  }

  /** A one-line name: no line breaks or other control characters. */
  public static String name(String raw, String field, int max) {
    String s = normalise(raw);
    if (blank(s)) {
      throw ApiException.unprocessable("invalid_name", field + " must not be empty");
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw ApiException.unprocessable("invalid_name", field + " must be one line without control characters");
      }
    }
    checkLength(s, field, max, "invalid_name");
    return s;
  }

  /** Several lines of text: tabs and line breaks are kept, other control characters refused. */
  public static String text(String raw, String field, int max) {
    String s = normalise(raw);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
        throw ApiException.unprocessable("invalid_text", field + " must not contain control characters");
      }
    }
    checkLength(s, field, max, "text_too_long");
    return s;
  }

  /** True when {@code s} has nothing visible: only white space, format (zero-width) or control characters. */
  public static boolean blank(String s) {
    if (s == null) {
      return true;
    }
    return s.codePoints().allMatch(cp -> invisible(cp) || Character.isISOControl(cp));
  }

  private static String normalise(String raw) {
    if (raw == null) {
      return "";
    }
    String s = Normalizer.normalize(raw, Normalizer.Form.NFC);
    int from = 0;
    int to = s.length();
    while (from < to && invisible(s.codePointAt(from))) {
      from += Character.charCount(s.codePointAt(from));
    }
    while (to > from && invisible(s.codePointBefore(to))) {
      to -= Character.charCount(s.codePointBefore(to));
    }
    return s.substring(from, to);
  }

  // String.strip() keeps no-break and zero-width spaces, which look the same as nothing
  private static boolean invisible(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.getType(cp) == Character.FORMAT;
  }

  private static void checkLength(String s, String field, int max, String code) {
    if (s.codePointCount(0, s.length()) > max) {
      throw ApiException.unprocessable(code, field + " must be at most " + max + " characters");
    }
  }
}
