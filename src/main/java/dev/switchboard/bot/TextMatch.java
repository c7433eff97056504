package dev.switchboard.bot;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Text matching for triggers: keywords as whole words ignoring case and accents, and regexes
 * with a bound on the work one message may cost (a flow's pattern is the business's, the text
 * is the customer's: together they must not stall an event loop).
 */
public final class TextMatch {

  /** Longest text a regex looks at; customers' messages are short, a flood is cut off. */
  public static final int REGEX_MAX_INPUT = 4_096;
  /** Character reads one regex match may make before we call it "no match" (catastrophic backtracking). */
  public static final long REGEX_MAX_STEPS = 1_000_000;

  private static final Pattern MARKS = Pattern.compile("\\p{M}+");

  private TextMatch() {
  }

  /** Lower case without accents: "Café PRÉÇO" becomes "cafe preco". Letters without a decomposition are mapped by hand. */
  public static String fold(String s) {
    if (s == null) {
      return "";
    }
    String d = MARKS.matcher(Normalizer.normalize(s, Normalizer.Form.NFKD)).replaceAll("");
    StringBuilder out = new StringBuilder(d.length());
    d.toLowerCase(Locale.ROOT).codePoints().forEach(cp -> {
      switch (cp) {
        case 'ß' -> out.append("ss");
        case 'æ' -> out.append("ae");
        case 'œ' -> out.append("oe");
        case 'ø' -> out.append('o');
        case 'ł' -> out.append('l');
        case 'đ' -> out.append('d');
        case 'ı' -> out.append('i');
        default -> out.appendCodePoint(cp);
      }
    });
    return out.toString();
  }

  /** The folded words of a text: maximal runs of letters and digits. */
  public static List<String> words(String s) {
    String f = fold(s);
    List<String> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < f.length(); ) {
      int cp = f.codePointAt(i);
      boolean word = Character.isLetterOrDigit(cp);
      if (word && start < 0) {
        start = i;
      } else if (!word && start >= 0) {
        words.add(f.substring(start, i));
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      words.add(f.substring(start));
    }
    return words;
  }

  /**
   * Whether {@code keyword} occurs in {@code text} as whole words ("price" is in "What is the
   * PRICE?" but not in "priceless"; "opening hours" needs both words, adjacent). A keyword with
   * no letters or digits (an emoji, "?"), or in a script written without spaces between words
   * (Chinese, Japanese, Thai...), is looked for as folded text.
   */
  public static boolean containsKeyword(String text, String keyword) {
    if (text == null || keyword == null) {
      return false;
    }
    List<String> needle = words(keyword);
    if (needle.isEmpty() || unspaced(keyword)) {
      String k = fold(keyword).strip();
      return !k.isEmpty() && fold(text).contains(k);
    }
    List<String> hay = words(text);
    outer:
    for (int i = 0; i + needle.size() <= hay.size(); i++) {
      for (int j = 0; j < needle.size(); j++) {
        if (!hay.get(i + j).equals(needle.get(j))) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean unspaced(String s) {
    return s.codePoints().anyMatch(cp -> switch (Character.UnicodeScript.of(cp)) {
      case HAN, HIRAGANA, KATAKANA, THAI, LAO, KHMER, MYANMAR -> true;
      default -> false;
    });
  }

  /** Whether the pattern is found in the text, giving up (no match) on very long texts or runaway backtracking. */
  public static boolean findRegex(Pattern pattern, String text) {
    if (text == null || text.length() > REGEX_MAX_INPUT) {
      return false;
    }
    try {
      return pattern.matcher(new Budgeted(text, REGEX_MAX_STEPS)).find();
    } catch (BudgetExceeded e) {
      return false;
    }
  }

  /** A text that counts how often the regex engine reads it and stops it past a budget. */
  private static final class Budgeted implements CharSequence {
    private final String text;
    private final long[] left;

    Budgeted(String text, long budget) {
      this(text, new long[] {budget});
    }

    private Budgeted(String text, long[] left) {
      this.text = text;
      this.left = left;
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public char charAt(int index) {
      if (--left[0] < 0) {
        throw new BudgetExceeded();
      }
      return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Budgeted(text.substring(start, end), left);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private static final class BudgetExceeded extends RuntimeException {
    BudgetExceeded() {
      super("regex budget exceeded", null, false, false);
    }
  }
}
